"""The Flask extension: finds the app's engine and migrations directory, and calls the core."""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask import Flask, current_app, has_app_context
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy.engine import Engine

from .app.binds import (
    all_tenant_targets,
    bind_engine,
    bind_name,
    bind_order,
    check_bind,
    one_tenant_target,
    settings,
)
from .app.database import database_url
from .app.target_options import open_selected_manager, target_options
from .cli.commands import build_commands
from .cli.output import summary
from .core import (
    DEFAULT_LOCK_TIMEOUT,
    MigrationError,
    MigrationManager,
    Progress,
)
from .core.autogenerate.models import find_model_metadata, register_metadata_resolver
from .core.runtime.connection import engine_from_url, register_engine_resolver
from .core.runtime.lock import DEFAULT_CONNECTION_CHECK_INTERVAL
from .core.runtime.wait import (
    DEFAULT_WAIT_INTERVAL,
    DEFAULT_WAIT_TIMEOUT,
    Outstanding,
    wait_until_migrated,
)
from .core.settings import parse_auto_mode, parse_seconds
from .core.targets.runs import BindFailed, RunSummary, run_each, summarize

if TYPE_CHECKING:
    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy import MetaData

EXTENSION_KEY = "herogold_migrate"

#: Auto-run has no terminal to print to: what it applies goes to this logger, at INFO.
logger = logging.getLogger("flask_herogold_migrate")


@dataclass
class _AppState:
    extension: HerogoldMigrate
    db: SQLAlchemy | None
    own_engine: Engine | None = field(default=None)
    #: Engines built from SQLALCHEMY_BINDS when there is no Flask-SQLAlchemy.
    own_bind_engines: dict[str, Engine] = field(default_factory=dict)


class HerogoldMigrate:
    """Migrations for a Flask app, set up like any Flask extension::

        db = SQLAlchemy()
        migrate = HerogoldMigrate()

        def create_app():
            app = Flask(__name__)
            db.init_app(app)
            migrate.init_app(app, db)
            return app

    It migrates the engine of the Flask-SQLAlchemy ``db`` given (or found in
    ``app.extensions``), else one built from ``SQLALCHEMY_DATABASE_URI``, and registers the
    ``flask migrate`` commands. With ``HEROGOLD_MIGRATE_AUTO`` it applies pending migrations
    before :meth:`init_app` returns, and raises if one fails, so no worker serves requests
    against a half-migrated schema; set to ``"wait"``, it applies nothing but waits until
    another process has applied them.
    """

    def __init__(self, app: Flask | None = None, db: SQLAlchemy | None = None) -> None:
        self.db = db
        if app is not None:
            self.init_app(app, db)

    def init_app(self, app: Flask, db: SQLAlchemy | None = None) -> None:
        """Register the extension and its commands on ``app``; auto-run if configured.

        Raises :class:`RuntimeError` if ``app`` already has one: a second one would replace
        the first one's database and settings for every command.
        """
        if EXTENSION_KEY in app.extensions:
            raise RuntimeError(
                "A 'HerogoldMigrate' instance is already registered on this Flask app. Import "
                "and use that instance instead of calling init_app() again."
            )
        app.config.setdefault("HEROGOLD_MIGRATE_DIR", "migrations")
        app.config.setdefault("HEROGOLD_MIGRATE_TABLE", "migrations")
        app.config.setdefault("HEROGOLD_MIGRATE_AUTO", False)
        app.config.setdefault("HEROGOLD_MIGRATE_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT)
        app.config.setdefault("HEROGOLD_MIGRATE_SINGLE_TRANSACTION", False)
        app.config.setdefault("HEROGOLD_MIGRATE_PROTECTED", False)
        app.config.setdefault("HEROGOLD_MIGRATE_WAIT_INTERVAL", DEFAULT_WAIT_INTERVAL)
        app.config.setdefault("HEROGOLD_MIGRATE_WAIT_TIMEOUT", DEFAULT_WAIT_TIMEOUT)
        app.config.setdefault(
            "HEROGOLD_MIGRATE_CONNECTION_CHECK_INTERVAL", DEFAULT_CONNECTION_CHECK_INTERVAL
        )
        app.config.setdefault("HEROGOLD_MIGRATE_STATEMENT_LOCK_TIMEOUT", None)
        app.config.setdefault("HEROGOLD_MIGRATE_STATEMENT_LOCK_RETRIES", 0)
        app.config.setdefault("HEROGOLD_MIGRATE_OUT_OF_ORDER", "warn")
        app.config.setdefault("HEROGOLD_MIGRATE_MYSQL_STRICT", True)
        app.config.setdefault("HEROGOLD_MIGRATE_BINDS", {})
        app.config.setdefault("HEROGOLD_MIGRATE_TENANTS", None)
        app.config.setdefault("HEROGOLD_MIGRATE_TENANT_DIR", "migrations_tenants")
        app.extensions[EXTENSION_KEY] = _AppState(self, db if db is not None else self.db)
        for command in _FLASK_COMMANDS:
            app.cli.add_command(command)
        if _loading_for_a_migrate_command():
            return  # whatever HEROGOLD_MIGRATE_AUTO says, even a bad value, it plays no part
        # Parsed, not tested for truth: "0" or "false" read from the environment mean off.
        mode = parse_auto_mode("HEROGOLD_MIGRATE_AUTO", app.config["HEROGOLD_MIGRATE_AUTO"])
        if mode != "off":
            with app.app_context():
                if mode == "run":
                    self._auto_run()
                else:
                    self._wait_for_migrations()

    def _auto_run(self) -> None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        binds = bind_order(app)
        for bind in binds:
            manager = self.manager(bind=bind)
            manager.require_lock = True  # many workers start at once
            prefix = "" if binds == [None] else f"[{bind_name(bind)}] "
            manager.progress = functools.partial(_log_progress, prefix=prefix)
            try:
                applied = manager.run_migrations()
            except MigrationError as error:
                if binds == [None]:
                    raise
                later = [bind_name(b) for b in binds[binds.index(bind) + 1 :]]
                raise BindFailed.after(bind_name(bind), error, later) from error
            if applied:
                logger.info(
                    "Auto-run in process %d: %s%s",
                    os.getpid(),
                    prefix,
                    summary("Applied", applied, manager),
                )

    def _wait_for_migrations(self) -> None:
        config = current_app.config
        result = wait_until_migrated(
            self.manager(),
            interval=parse_seconds(
                "HEROGOLD_MIGRATE_WAIT_INTERVAL", config["HEROGOLD_MIGRATE_WAIT_INTERVAL"]
            ),
            timeout=parse_seconds(
                "HEROGOLD_MIGRATE_WAIT_TIMEOUT", config["HEROGOLD_MIGRATE_WAIT_TIMEOUT"]
            ),
            on_change=_log_waiting,
        )
        if result.seconds:
            logger.info(
                "Process %d: the migrations are applied, after waiting %.1f s.",
                os.getpid(),
                result.seconds,
            )

    def manager(
        self, directory: str | os.PathLike[str] | None = None, *, bind: str | None = None
    ) -> MigrationManager:
        """A :class:`MigrationManager` for the current app (an app context must be active).

        ``bind`` names a Flask-SQLAlchemy bind listed in ``HEROGOLD_MIGRATE_BINDS``; None is
        the default bind.
        """
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        if bind is None:
            where = directory if directory is not None else self.migrations_dir(app)
            engine = self.engine(app)
        else:
            bind_dir = check_bind(app, bind)
            where = directory if directory is not None else bind_dir
            state: _AppState = app.extensions[EXTENSION_KEY]
            engine = bind_engine(app, _db_of(app), state.own_bind_engines, bind)
        return MigrationManager(where, engine=engine, **settings(app))

    @contextmanager
    def tenant_manager(
        self, name: str, directory: str | os.PathLike[str] | None = None
    ) -> Iterator[MigrationManager]:
        """The manager of the tenant ``name`` (one ``HEROGOLD_MIGRATE_TENANTS`` returns).

        A context manager: a tenant with a database of its own gets an engine for the run,
        disposed of when the block ends. An app context must be active.
        """
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        where = None if directory is None else Path(directory)
        with one_tenant_target(self, app, name, where).open() as manager:
            yield manager

    def migrate_tenant(self, name: str, target: str | None = None) -> list[str]:
        """Bring the tenant ``name`` to head (or to ``target``); return the names applied.

        For a signup handler, once the tenant exists (its schema created, or its database)
        and ``HEROGOLD_MIGRATE_TENANTS`` returns it. Holds the tenant's own migration lock,
        so a deploy migrating every tenant at the same time never applies a file twice.
        """
        with self.tenant_manager(name) as manager:
            return manager.run_migrations(target)

    def migrate_all_tenants(self, *, jobs: int = 1) -> RunSummary:
        """Migrate every tenant, ``jobs`` at a time; one's failure does not stop the others.

        Returns what each tenant did, or the error it stopped with.
        """
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        with all_tenant_targets(self, app) as targets:
            results = run_each(targets, lambda _, m: m.run_migrations(), jobs=jobs)
        return summarize("tenant", targets, results, done="applied", nothing="up-to-date")

    @staticmethod
    def migrations_dir(app: Flask) -> Path:
        """``HEROGOLD_MIGRATE_DIR``, a relative path being relative to ``app.root_path``."""
        return Path(app.root_path, app.config["HEROGOLD_MIGRATE_DIR"])

    @staticmethod
    def engine(app: Flask) -> Engine:
        """The engine migrations run on: Flask-SQLAlchemy's, else one from the config."""
        state: _AppState = app.extensions[EXTENSION_KEY]
        db = _db_of(app)
        if db is not None:
            if has_app_context() and current_app._get_current_object() is app:  # type: ignore[attr-defined]
                return db.engine
            with app.app_context():
                return db.engine
        if state.own_engine is None:
            state.own_engine = engine_from_url(database_url(app))
        return state.own_engine


def _db_of(app: Flask) -> SQLAlchemy | None:
    state: _AppState = app.extensions[EXTENSION_KEY]
    return state.db if state.db is not None else app.extensions.get("sqlalchemy")


def _loading_for_a_migrate_command() -> bool:
    """Whether ``flask`` is building the app to run one of our own commands.

    Auto-run is skipped then: ``migrate:status`` must not change anything, and
    ``migrate:rollback`` must undo the last deployed batch, not one auto-run just applied.
    """
    ctx = click.get_current_context(silent=True)
    if ctx is None or not isinstance(ctx.find_root().command, FlaskGroup):
        return False
    # Flask builds the app while it resolves the command, after it consumed the arguments:
    # parse the command line again with the flask group's own options to find the name.
    root = ctx.find_root()
    try:
        _, arguments, _ = root.command.make_parser(root).parse_args(sys.argv[1:])
    except Exception:  # an unforeseen command line: keep the documented behaviour
        return False
    return bool(arguments) and arguments[0] in _COMMAND_NAMES


def _log_waiting(outstanding: Outstanding, seconds_left: float) -> None:
    logger.info(
        "Process %d waits up to %.0f s more for another process to apply the migrations: %s.",
        os.getpid(),
        seconds_left,
        outstanding.describe(),
    )


def _log_progress(progress: Progress, prefix: str = "") -> None:
    level = logging.WARNING if progress.is_warning else logging.INFO
    logger.log(level, "%s%s", prefix, progress.describe())


def _current_app_engine() -> Engine | None:
    if not has_app_context() or EXTENSION_KEY not in current_app.extensions:
        return None
    return HerogoldMigrate.engine(current_app._get_current_object())  # type: ignore[attr-defined]


def _current_app_models() -> list[MetaData] | None:
    """The models of the current app: ``HEROGOLD_MIGRATE_METADATA``, else the db's
    metadata and SQLModel's."""
    if not has_app_context() or EXTENSION_KEY not in current_app.extensions:
        return None
    state: _AppState = current_app.extensions[EXTENSION_KEY]
    db = state.db if state.db is not None else current_app.extensions.get("sqlalchemy")
    found = [] if db is None else [db.metadata]
    return find_model_metadata(current_app.config.get("HEROGOLD_MIGRATE_METADATA"), found=found)


def _open_manager(directory: Path | None, extra: dict[str, Any]) -> MigrationManager:
    state: _AppState = current_app.extensions[EXTENSION_KEY]
    return open_selected_manager(state.extension, directory, extra)


register_engine_resolver(_current_app_engine)
register_metadata_resolver(_current_app_models)

# migrate:test makes its throwaway database beside the app's, or beside this one.
_THROWAWAY_BESIDE = click.option(
    "--database-url",
    metavar="URL",
    help="Make the throwaway database on the server of URL, with its credentials, instead of "
    "the app's (the database the URL names is never touched).",
)
_FLASK_COMMANDS = build_commands(
    _open_manager,
    decorate=with_appcontext,
    test_options=[_THROWAWAY_BESIDE],
    options_for=target_options,
)
_COMMAND_NAMES = frozenset(command.name for command in _FLASK_COMMANDS)
