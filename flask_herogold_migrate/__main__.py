"""The commands without Flask: ``python -m flask_herogold_migrate`` / ``herogold-migrate``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click
from sqlalchemy.engine import Engine

from .cli.commands import build_commands
from .core import DEFAULT_LOCK_TIMEOUT, ConfigurationError, MigrationManager
from .core.runtime.lock import DEFAULT_CONNECTION_CHECK_INTERVAL
from .core.runtime.plan import OUT_OF_ORDER_POLICIES
from .core.settings import SECONDS_HINT, as_seconds, parse_flag


def _seconds(ctx: click.Context, param: click.Parameter, value: Any) -> float:
    # The rules of HEROGOLD_MIGRATE_LOCK_TIMEOUT in Flask: inf or nan would only fail later,
    # with a traceback, in the database's own lock timeout.
    seconds = as_seconds(value)
    if seconds is None:
        raise click.BadParameter(f"{value!r} is not a number of seconds: {SECONDS_HINT}.")
    return seconds


def _seconds_or_off(ctx: click.Context, param: click.Parameter, value: Any) -> float | None:
    if value is None or not str(value).strip():
        return None
    return _seconds(ctx, param, value) or None


_DATABASE_URL = click.option(
    "--database-url",
    envvar="DATABASE_URL",
    metavar="URL",
    help="SQLAlchemy URL of the database (default: $DATABASE_URL).",
)
_TRACKING_TABLE = click.option(
    "--table",
    envvar="HEROGOLD_MIGRATE_TABLE",
    default="migrations",
    show_default=True,
    help="Tracking table name ($HEROGOLD_MIGRATE_TABLE).",
)
_LOCK_TIMEOUT = click.option(
    "--lock-timeout",
    envvar="HEROGOLD_MIGRATE_LOCK_TIMEOUT",
    type=str,  # parsed by the callback, as the Flask setting is
    metavar="SECONDS",
    callback=_seconds,
    default=DEFAULT_LOCK_TIMEOUT,
    show_default=True,
    help="Seconds to wait for another process's migration run.",
)
_OPTIONS = [
    _DATABASE_URL,
    _TRACKING_TABLE,
    _LOCK_TIMEOUT,
    click.option(
        "--connection-check-interval",
        envvar="HEROGOLD_MIGRATE_CONNECTION_CHECK_INTERVAL",
        type=str,
        metavar="SECONDS",
        callback=_seconds,
        default=DEFAULT_CONNECTION_CHECK_INTERVAL,
        show_default=True,
        help="How often the server checks, mid-statement, that this process is still "
        "connected, so a killed run frees the lock at once (PostgreSQL 14+; 0: never).",
    ),
    click.option(
        "--statement-lock-timeout",
        envvar="HEROGOLD_MIGRATE_STATEMENT_LOCK_TIMEOUT",
        type=str,
        metavar="SECONDS",
        callback=_seconds_or_off,
        help="Fail a migration whose statement waits longer than this for a lock another "
        "session holds, instead of stalling the queries queued behind it (default: off).",
    ),
    click.option(
        "--statement-lock-retries",
        envvar="HEROGOLD_MIGRATE_STATEMENT_LOCK_RETRIES",
        type=click.IntRange(min=0),
        metavar="N",
        default=0,
        show_default=True,
        help="Try a migration that failed for a lock again, N times, after a growing pause, "
        "where its failed attempt left nothing behind.",
    ),
    click.option(
        "--out-of-order",
        envvar="HEROGOLD_MIGRATE_OUT_OF_ORDER",
        type=click.Choice(OUT_OF_ORDER_POLICIES, case_sensitive=False),
        default="warn",
        show_default=True,
        help="Pending files dated before the newest applied migration: apply them with a "
        "warning, refuse to run (error), or apply them without a word (allow).",
    ),
]
# migrate:make never reads the tracking table, and its own --table is Laravel's: the table
# the new migration changes.
_MAKE_OPTIONS = [_DATABASE_URL, _LOCK_TIMEOUT]


class _WithoutDatabase(MigrationManager):
    """The manager of a command given no database URL.

    ``migrate:make`` needs no database; a command that does says how to give one here, in
    the command line's terms rather than the API's.
    """

    @property
    def engine(self) -> Engine:
        raise ConfigurationError(
            "No database to migrate: pass --database-url URL or set DATABASE_URL."
        )


def _open_manager(directory: Path | None, extra: dict[str, Any]) -> MigrationManager:
    database_url = extra["database_url"] or None  # an empty DATABASE_URL= gives none either
    manager_class = MigrationManager if database_url else _WithoutDatabase
    return manager_class(
        directory
        if directory is not None
        else os.environ.get("HEROGOLD_MIGRATE_DIR", "migrations"),
        engine=database_url,
        # migrate:make has no --table of its own for the tracking table (its --table is
        # Laravel's): --autogenerate still needs the one configured.
        table=extra.get("table", os.environ.get("HEROGOLD_MIGRATE_TABLE") or "migrations"),
        lock_timeout=extra["lock_timeout"],
        single_transaction=_flag("HEROGOLD_MIGRATE_SINGLE_TRANSACTION"),
        protected=_flag("HEROGOLD_MIGRATE_PROTECTED"),
        # migrate:make takes none of these: it writes a file and runs nothing.
        connection_check_interval=extra.get(
            "connection_check_interval", DEFAULT_CONNECTION_CHECK_INTERVAL
        ),
        statement_lock_timeout=extra.get("statement_lock_timeout"),
        statement_lock_retries=extra.get("statement_lock_retries", 0),
        out_of_order=extra.get("out_of_order", "warn").lower(),
        mysql_strict=parse_flag(
            "HEROGOLD_MIGRATE_MYSQL_STRICT", os.environ.get("HEROGOLD_MIGRATE_MYSQL_STRICT") or "on"
        ),
    )


def _flag(variable: str) -> bool:
    return parse_flag(variable, os.environ.get(variable))


@click.group(
    name="herogold-migrate",
    help="Laravel-style database migrations, without a Flask app.",
    context_settings={"help_option_names": ["-h", "--help"]},
)
def main() -> None:
    # python -m puts the current directory first on sys.path, a console script does not: a
    # migration imports the application's package (from myapp.models import ...) either way.
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())


for _command in build_commands(_open_manager, options=_OPTIONS, make_options=_MAKE_OPTIONS):
    main.add_command(_command)

if __name__ == "__main__":
    main()
