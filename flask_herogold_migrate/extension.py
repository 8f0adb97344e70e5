"""The Flask extension: finds the app's engine and migrations directory, and calls the core."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask import Flask, current_app, has_app_context
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import make_url
from sqlalchemy.engine import Engine

from .cli import build_commands, summary
from .core import DEFAULT_LOCK_TIMEOUT, ConfigurationError, MigrationManager, Progress
from .core.connection import engine_from_url, register_engine_resolver
from .core.dialects.sqlite import is_memory_database
from .core.models import find_model_metadata, register_metadata_resolver
from .core.settings import parse_flag, parse_seconds

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
    against a half-migrated schema.
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
        app.extensions[EXTENSION_KEY] = _AppState(self, db if db is not None else self.db)
        for command in _FLASK_COMMANDS:
            app.cli.add_command(command)
        if _loading_for_a_migrate_command():
            return  # whatever HEROGOLD_MIGRATE_AUTO says, even a bad value, it plays no part
        # Parsed, not tested for truth: "0" or "false" read from the environment mean off.
        if parse_flag("HEROGOLD_MIGRATE_AUTO", app.config["HEROGOLD_MIGRATE_AUTO"]):
            with app.app_context():
                self._auto_run()

    def _auto_run(self) -> None:
        manager = self.manager()
        manager.progress = _log_progress
        manager.require_lock = True  # many workers start at once
        applied = manager.run_migrations()
        if applied:
            logger.info(
                "Auto-run in process %d: %s", os.getpid(), summary("Applied", applied, manager)
            )

    def manager(self, directory: str | os.PathLike[str] | None = None) -> MigrationManager:
        """A :class:`MigrationManager` for the current app (an app context must be active)."""
        app = current_app
        config = app.config
        return MigrationManager(
            directory if directory is not None else self.migrations_dir(app),
            engine=self.engine(app),
            table=config["HEROGOLD_MIGRATE_TABLE"],
            lock_timeout=parse_seconds(
                "HEROGOLD_MIGRATE_LOCK_TIMEOUT", config["HEROGOLD_MIGRATE_LOCK_TIMEOUT"]
            ),
            single_transaction=parse_flag(
                "HEROGOLD_MIGRATE_SINGLE_TRANSACTION", config["HEROGOLD_MIGRATE_SINGLE_TRANSACTION"]
            ),
            protected=parse_flag(
                "HEROGOLD_MIGRATE_PROTECTED", config["HEROGOLD_MIGRATE_PROTECTED"]
            ),
        )

    @staticmethod
    def migrations_dir(app: Flask) -> Path:
        """``HEROGOLD_MIGRATE_DIR``, a relative path being relative to ``app.root_path``."""
        return Path(app.root_path, app.config["HEROGOLD_MIGRATE_DIR"])

    @staticmethod
    def engine(app: Flask) -> Engine:
        """The engine migrations run on: Flask-SQLAlchemy's, else one from the config."""
        state: _AppState = app.extensions[EXTENSION_KEY]
        db = state.db if state.db is not None else app.extensions.get("sqlalchemy")
        if db is not None:
            if has_app_context() and current_app._get_current_object() is app:  # type: ignore[attr-defined]
                return db.engine
            with app.app_context():
                return db.engine
        if state.own_engine is None:
            state.own_engine = engine_from_url(_database_url(app))
        return state.own_engine


def _database_url(app: Flask) -> Any:
    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        raise ConfigurationError(
            "HerogoldMigrate needs a database: pass the Flask-SQLAlchemy db to init_app(), or "
            "set SQLALCHEMY_DATABASE_URI."
        )
    url = make_url(uri)
    if url.get_backend_name() != "sqlite" or is_memory_database(url):
        return url
    # Same rule as Flask-SQLAlchemy: a relative SQLite path, or the path of a relative
    # filename URI (sqlite:///file:app.db?uri=true), lives in the instance folder.
    database = url.database or ""
    is_uri = bool(url.query.get("uri")) and database.startswith("file:")
    path = database[len("file:") :] if is_uri else database
    if os.path.isabs(path):
        return url
    os.makedirs(app.instance_path, exist_ok=True)
    path = os.path.join(app.instance_path, path)
    return url.set(database=f"file:{path}" if is_uri else path)


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


def _log_progress(progress: Progress) -> None:
    level = logging.WARNING if progress.is_warning else logging.INFO
    logger.log(level, "%s", progress.describe())


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
    return state.extension.manager(directory)


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
    _open_manager, decorate=with_appcontext, test_options=[_THROWAWAY_BESIDE]
)
_COMMAND_NAMES = frozenset(command.name for command in _FLASK_COMMANDS)
