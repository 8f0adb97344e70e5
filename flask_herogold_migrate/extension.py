"""The Flask extension: finds the app's engine and migrations directory, and calls the core."""

from __future__ import annotations

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

from .app.auto_run import auto_run, wait_for_migrations
from .app.binds import (
    DEFAULT_BIND,
    all_tenant_targets,
    bind_engine,
    check_bind,
    one_tenant_target,
    refuse_a_shared_database,
)
from .app.config import load_settings, set_defaults, settings_of
from .app.database import database_url
from .app.target_options import FlaskTargets
from .cli.commands import build_commands
from .core import ConfigurationError, MigrationManager
from .core.models.found import find_model_metadata, register_metadata_resolver
from .core.progress import ProgressCallback
from .core.runtime.connection import engine_from_url, register_engine_resolver
from .core.settings import naming_the_setting
from .core.targets.runs import RunSummary, run_each, summarize

if TYPE_CHECKING:
    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy import MetaData

EXTENSION_KEY = "herogold_migrate"


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
        the first one's database and settings for every command. Raises
        :class:`ConfigurationError`, naming the key, if a ``HEROGOLD_MIGRATE_*`` setting has a
        bad value, and warns of a key that is no setting (a misspelled one).
        """
        if EXTENSION_KEY in app.extensions:
            raise RuntimeError(
                "A 'HerogoldMigrate' instance is already registered on this Flask app. Import "
                "and use that instance instead of calling init_app() again."
            )
        set_defaults(app)
        state = _AppState(self, db if db is not None else self.db)
        app.extensions[EXTENSION_KEY] = state
        for command in _FLASK_COMMANDS:
            app.cli.add_command(command)
        for_a_command = _loading_for_a_migrate_command()
        try:
            settings = load_settings(app)
        except ConfigurationError:
            if for_a_command:
                return  # flask would show a traceback: the command shows it as one line
            raise
        if for_a_command:
            return  # migrate:status must not change anything, nor auto-run precede a rollback
        if settings.auto == "run":
            with app.app_context():
                auto_run(self, app)
        elif settings.auto == "wait":
            with app.app_context():
                wait_for_migrations(self, app)

    def manager(
        self,
        directory: str | os.PathLike[str] | None = None,
        *,
        bind: str | None = None,
        single_transaction: bool | None = None,
        progress: ProgressCallback | None = None,
        require_lock: bool = False,
        skip_post_deploy: bool = False,
    ) -> MigrationManager:
        """A :class:`MigrationManager` for the current app (an app context must be active).

        ``bind`` names a Flask-SQLAlchemy bind listed in ``HEROGOLD_MIGRATE_BINDS``; None is
        the default bind. ``single_transaction`` (None: the setting), ``progress``,
        ``require_lock`` and ``skip_post_deploy`` are the manager's arguments of those names.
        """
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        settings = settings_of(app).with_run(require_lock=require_lock)
        if bind is None:
            where = directory if directory is not None else settings.directory
            engine = self.engine(app)
        else:
            bind_dir = check_bind(app, bind)
            where = directory if directory is not None else bind_dir
            state: _AppState = app.extensions[EXTENSION_KEY]
            engine = bind_engine(app, _db_of(app), state.own_bind_engines, bind)
            others = {
                name: bind_engine(app, _db_of(app), state.own_bind_engines, name)
                for name in settings.binds
            }
            refuse_a_shared_database(bind, engine, {DEFAULT_BIND: self.engine(app), **others})
        return settings.manager(
            where,
            engine,
            bind=bind,
            single_transaction=single_transaction,
            progress=progress,
            skip_post_deploy=skip_post_deploy,
            target_name=bind,
        )

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
        return settings_of(app).directory

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


def _current_app_engine() -> Engine | None:
    if not has_app_context() or EXTENSION_KEY not in current_app.extensions:
        return None
    return HerogoldMigrate.engine(current_app._get_current_object())  # type: ignore[attr-defined]


def _current_app_models(bind: str | None) -> list[MetaData] | None:
    """The models of the current app's database ``bind``: ``HEROGOLD_MIGRATE_METADATA``,
    else the tables of that bind in the db's metadata (one per bind) and SQLModel's."""
    if not has_app_context() or EXTENSION_KEY not in current_app.extensions:
        return None
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    db = _db_of(app)
    found = [] if db is None else list(db.metadatas.values())  # one MetaData per bind
    with naming_the_setting("HEROGOLD_MIGRATE_METADATA"):
        return find_model_metadata(settings_of(app).metadata, found=found, bind=bind)


def _open_manager(directory: Path | None, extra: dict[str, Any], **run: Any) -> MigrationManager:
    state: _AppState = current_app.extensions[EXTENSION_KEY]
    settings_of(current_app._get_current_object())  # type: ignore[attr-defined]
    return state.extension.manager(directory, **run)


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
    source=FlaskTargets(),
)
_COMMAND_NAMES = frozenset(command.name for command in _FLASK_COMMANDS)
