"""The commands that check rather than migrate: migrate:check, migrate:lint, migrate:test.

Each imports what it needs when it runs, so the other commands start without it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from ..core import MigrationManager
from .output import print_progress

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]
CommandFactory = Callable[..., Callable[[Callable[..., Any]], click.Command]]

METADATA_OPTION = click.option(
    "--metadata",
    "models",
    metavar="MODULE:ATTR",
    help="The models' MetaData as an import string (myapp.models:db.metadata; several "
    "separated by commas), instead of HEROGOLD_MIGRATE_METADATA or the models found.",
)


def tool_commands(
    command: CommandFactory,
    open_manager: Callable[..., MigrationManager],
    test_options: Sequence[Decorator] | None,
) -> list[click.Command]:
    """migrate:check, migrate:lint and migrate:test, made with ``build_commands``' factory."""

    @click.option(
        "--json", "as_json", is_flag=True, help="Print JSON: pending, failed, differences."
    )
    @METADATA_OPTION
    @command(
        "migrate:check",
        "Exit with status 1 if a migration is pending or failed, or if the models differ "
        "from the database (for CI). Writes nothing.",
    )
    def check(directory: Path | None, as_json: bool, models: str | None, **extra: Any) -> None:
        from .autogenerate import show_check

        show_check(open_manager(directory, extra), models=models, as_json=as_json)

    @click.option(
        "--all-rules",
        is_flag=True,
        help="Also run squawk's rules of style and robustness, which are not about locks.",
    )
    @click.option(
        "--strict",
        is_flag=True,
        help="Exit with status 1 when a migration could not be rehearsed (MySQL and MariaDB "
        "send nothing, so its reads return no rows), not only on findings.",
    )
    @command(
        "migrate:lint",
        "Check the pending migrations for statements that would lock or rewrite busy tables.",
    )
    def lint(directory: Path | None, all_rules: bool, strict: bool, **extra: Any) -> None:
        from ..core.preview.lint import lint_pending
        from .preview import show_lint

        manager = open_manager(directory, extra, progress=print_progress)
        show_lint(lint_pending(manager, all_rules=all_rules), strict=strict)

    @METADATA_OPTION
    @click.option("--json", "as_json", is_flag=True, help="Print the results as JSON (for CI).")
    @click.option(
        "--with-rows",
        is_flag=True,
        help="Before each step, put a generated row in each empty table, so a step that "
        "cannot keep its rows (a NOT NULL column without a default, a narrowed type) fails.",
    )
    @command(
        "migrate:test",
        "Test the migrations on a throwaway database made beside the app's (or the one of "
        "--database-url), which is dropped afterwards: every file loads, every migration "
        "applies from an empty database, down() puts back exactly the schema up() found, and "
        "the models match the schema. Exits with status 1 on any failure.",
        test_options,
    )
    def test(
        directory: Path | None, as_json: bool, with_rows: bool, models: str | None, **extra: Any
    ) -> None:
        from .checks import run_migration_checks  # only for this command

        manager = open_manager(directory, extra)
        run_migration_checks(
            extra.get("database_url") or manager.engine.url,
            manager.migrations_dir,
            tracking_table=manager.tracking.name,
            metadata=manager.models(models),
            as_json=as_json,
            with_rows=with_rows,
        )

    return [lint, check, test]
