"""The commands without Flask: ``python -m flask_herogold_migrate`` / ``herogold-migrate``."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
from sqlalchemy.engine import Engine

from .cli.commands import build_commands
from .cli.targets.standalone import StandaloneTargets
from .core import DEFAULT_LOCK_TIMEOUT, ConfigurationError, MigrationManager
from .core.config import PREFIX, MigrateSettings, read_settings, unknown_keys
from .core.runtime.lock import DEFAULT_CONNECTION_CHECK_INTERVAL
from .core.runtime.plan import OUT_OF_ORDER_POLICIES
from .core.settings import SECONDS_HINT, as_seconds, parse_count

# The options take no envvar= of Click's: the environment is read with every other
# HEROGOLD_MIGRATE_* variable (core.config), so a bad value is named after its variable, not
# after an option the user never passed. An option given wins over its variable.


def _seconds(ctx: click.Context, param: click.Parameter, value: Any) -> float | None:
    # The rules of HEROGOLD_MIGRATE_LOCK_TIMEOUT in Flask: inf or nan would only fail later,
    # with a traceback, in the database's own lock timeout.
    if value is None:
        return None
    seconds = as_seconds(value)
    if seconds is None:
        raise click.BadParameter(f"{value!r} is not a number of seconds: {SECONDS_HINT}.")
    return seconds


def _seconds_or_off(ctx: click.Context, param: click.Parameter, value: Any) -> float | None:
    if value is None:
        return None
    if not str(value).strip():
        return 0.0  # off, as 0 is
    return _seconds(ctx, param, value)


def _count(ctx: click.Context, param: click.Parameter, value: Any) -> int | None:
    if value is None:
        return None
    try:
        return parse_count("", value)
    except ConfigurationError:
        raise click.BadParameter(f"{value!r} is not a whole number, 0 or more.") from None


_DATABASE_URL = click.option(
    "--database-url",
    envvar="DATABASE_URL",
    metavar="URL",
    help="SQLAlchemy URL of the database (default: $DATABASE_URL).",
)
_TRACKING_TABLE = click.option(
    "--table",
    help="Tracking table name (default: $HEROGOLD_MIGRATE_TABLE, else migrations).",
)
_LOCK_TIMEOUT = click.option(
    "--lock-timeout",
    type=str,  # parsed by the callback, as the Flask setting is
    metavar="SECONDS",
    callback=_seconds,
    help="Seconds to wait for another process's migration run (default: "
    f"$HEROGOLD_MIGRATE_LOCK_TIMEOUT, else {DEFAULT_LOCK_TIMEOUT:g}).",
)
_OPTIONS = [
    _DATABASE_URL,
    _TRACKING_TABLE,
    _LOCK_TIMEOUT,
    click.option(
        "--connection-check-interval",
        type=str,
        metavar="SECONDS",
        callback=_seconds,
        help="How often the server checks, mid-statement, that this process is still "
        "connected, so a killed run frees the lock at once (PostgreSQL 14+; 0: never; "
        "default: $HEROGOLD_MIGRATE_CONNECTION_CHECK_INTERVAL, else "
        f"{DEFAULT_CONNECTION_CHECK_INTERVAL:g}).",
    ),
    click.option(
        "--statement-lock-timeout",
        type=str,
        metavar="SECONDS",
        callback=_seconds_or_off,
        help="Fail a migration whose statement waits longer than this for a lock another "
        "session holds, instead of stalling the queries queued behind it (default: "
        "$HEROGOLD_MIGRATE_STATEMENT_LOCK_TIMEOUT, else off).",
    ),
    click.option(
        "--statement-lock-retries",
        type=str,
        metavar="N",
        callback=_count,
        help="Try a migration that failed for a lock again, N times, after a growing pause, "
        "where its failed attempt left nothing behind (default: "
        "$HEROGOLD_MIGRATE_STATEMENT_LOCK_RETRIES, else 0).",
    ),
    click.option(
        "--out-of-order",
        type=click.Choice(OUT_OF_ORDER_POLICIES, case_sensitive=False),
        help="Pending files dated before the newest applied migration: apply them with a "
        "warning, refuse to run (error), or apply them without a word (allow) (default: "
        "$HEROGOLD_MIGRATE_OUT_OF_ORDER, else warn).",
    ),
]
#: The options that stand for a setting: an option given replaces the variable's value.
_SETTING_OPTIONS = (
    "table",
    "lock_timeout",
    "connection_check_interval",
    "statement_lock_timeout",
    "statement_lock_retries",
    "out_of_order",
)
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


def _environment_settings() -> MigrateSettings:
    """The HEROGOLD_MIGRATE_* variables, read once per command; an empty one is unset."""
    ctx = click.get_current_context(silent=True)
    meta = ctx.find_root().meta if ctx is not None else {}
    if "herogold_migrate.settings" not in meta:
        for message in unknown_keys(os.environ, standalone=True):
            click.echo(f"Warning: {message}", err=True)
        values = {k: v for k, v in os.environ.items() if k.startswith(PREFIX) and v.strip()}
        meta["herogold_migrate.settings"] = read_settings(values, standalone=True)
    settings: MigrateSettings = meta["herogold_migrate.settings"]
    return settings


def _open_manager(directory: Path | None, extra: dict[str, Any], **run: Any) -> MigrationManager:
    settings = _settings(extra)
    database_url = extra["database_url"] or None  # an empty DATABASE_URL= gives none either
    return settings.manager(
        directory,
        database_url,
        cls=MigrationManager if database_url else _WithoutDatabase,
        **run,
    )


def _settings(extra: dict[str, Any]) -> MigrateSettings:
    """The settings of the environment, with the options given (shared by every tenant)."""
    settings = _environment_settings()
    given = {key: extra[key] for key in _SETTING_OPTIONS if extra.get(key) is not None}
    if "out_of_order" in given:
        given["out_of_order"] = given["out_of_order"].lower()
    if "statement_lock_timeout" in given:
        given["statement_lock_timeout"] = given["statement_lock_timeout"] or None
    return replace(settings, **given)


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


for _command in build_commands(
    _open_manager,
    options=_OPTIONS,
    make_options=_MAKE_OPTIONS,
    source=StandaloneTargets(_open_manager, _settings),
):
    main.add_command(_command)

if __name__ == "__main__":
    main()
