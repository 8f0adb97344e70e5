"""``migrate:sql``: the SQL script of a run, for a DBA to apply, without touching a database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ...core import MigrationManager
from ...core.offline import DIALECT_NAMES

CommandFactory = Callable[..., Callable[[Callable[..., Any]], click.Command]]


def sql_command(
    command: CommandFactory,
    open_manager: Callable[[Path | None, dict[str, Any]], MigrationManager],
) -> click.Command:
    """``migrate:sql``, made with ``build_commands``' factory."""

    @click.option(
        "--skip-unrenderable",
        is_flag=True,
        help="Leave a migration that needs a database (it reads rows, or uses a statement's "
        "result) as a commented block, without its tracking row, instead of refusing.",
    )
    @click.option(
        "--dialect",
        type=click.Choice(DIALECT_NAMES, case_sensitive=False),
        help="The database to write SQL for, instead of the configured database's kind "
        "(which is not connected to either).",
    )
    @click.option(
        "--rollback",
        is_flag=True,
        help="Write the script that undoes the migrations, newest first, deleting their rows.",
    )
    @click.option("--to", "stop", metavar="NAME", help="End with migration NAME (included).")
    @click.option(
        "--from",
        "start",
        metavar="NAME",
        help="Start after migration NAME, the last one the database has; without it the "
        "script starts by creating the tracking table.",
    )
    @command(
        "migrate:sql",
        "Print the SQL script of a run without connecting to any database: the tracking "
        "table, each migration's statements (in BEGIN/COMMIT where DDL is transactional) and "
        "its tracking row. Applied with psql -f, mysql or sqlite3 to an empty database, it "
        "gives what migrate would.",
    )
    def sql(
        directory: Path | None,
        start: str | None,
        stop: str | None,
        rollback: bool,
        dialect: str | None,
        skip_unrenderable: bool,
        **extra: Any,
    ) -> None:
        from ...core.offline.script import offline_dialect, render_script

        manager = open_manager(directory, extra)
        script = render_script(
            manager.migrations_dir,
            manager.tracking.name,
            offline_dialect(dialect or manager.engine.url.drivername),
            start=start,
            stop=stop,
            rollback=rollback,
            skip_unrenderable=skip_unrenderable,
        )
        click.echo(script.sql, nl=False)
        for name in script.skipped:
            click.echo(
                f"Warning: {name} was left out as a commented block: apply it with migrate.",
                err=True,
            )

    return sql
