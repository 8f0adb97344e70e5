"""The manager: the policy of a run (batches, targets, the lock) over plans and their execution.

Every connection comes from :meth:`MigrationManager.connect`. A run that changes something
takes the lock, reads the tracking table again, plans (:mod:`.plan`) and hands the plan to the
executor, or to the rehearsing one (``--pretend``); the startup check stops first if no work.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.engine import Engine

from .adopt.fake import Faker
from .dialects import is_supported
from .errors import UnsupportedDatabase
from .files.create import NewMigrationOptions, create_migration
from .files.discovery import discover, find_target, list_stems
from .files.listing import DirectoryNames
from .preview.methods import Previews
from .preview.missing_sqlite import empty_stand_in
from .progress import Progress, ProgressCallback
from .reporting.heartbeat import DEFAULT_HEARTBEAT_INTERVAL
from .runtime.backlog import Backlog, stray_files
from .runtime.connection import resolve_engine, run_connection
from .runtime.executor import Executor
from .runtime.lock import DEFAULT_CONNECTION_CHECK_INTERVAL, DEFAULT_LOCK_TIMEOUT
from .runtime.locked_runs import down_under_lock, up_under_lock
from .runtime.plan import MigrationPlan, OutOfOrderPolicy
from .runtime.repair import RepairPlan, RepairResult, execute_repair, plan_repair
from .runtime.run import RunConnection, RunSettings
from .runtime.status import Status, build_status
from .tracking.table import TrackingTable

if TYPE_CHECKING:
    from sqlalchemy import MetaData
    from typing_extensions import Unpack

    from .autogenerate.plan import AutogeneratePlan
    from .models.check import ModelCheck

#: How a plan is executed: for real (:class:`Executor`), or rehearsed (``Rehearser``).
E = TypeVar("E", bound=Executor)


class MigrationManager(Previews):
    """Applies and rolls back the migrations in ``migrations_dir`` on one database.

    ``engine`` is an :class:`~sqlalchemy.engine.Engine` or a database URL; left out inside a
    Flask app context with :class:`~flask_herogold_migrate.HerogoldMigrate`, it is the app's.
    Every run that changes something holds the migration lock and reads the tracking table
    again once it has it, so concurrent runs never apply a migration twice. Each migration
    commits with its tracking row; with ``single_transaction`` a whole run commits once, or
    not at all (SQLite, PostgreSQL; refused where DDL commits on its own).

    The other arguments are the settings of those names in Configuration: ``require_lock``
    refuses a database without a migration lock of ours (auto-run), ``protected`` makes the
    commands that undo history ask first (the API never asks), ``schema`` runs everything in
    one PostgreSQL schema (a schema tenant), ``bind`` names the database among a host's (its
    models are the ones compared), ``seeders_dir`` defaults to ``seeders`` beside the
    migrations, ``skip_post_deploy`` leaves post-deploy migrations pending, and
    ``target_name`` (a bind, a tenant) is named in the run's signals.
    """

    heartbeat_interval: float | None = DEFAULT_HEARTBEAT_INTERVAL  # of a long step; None: none

    def __init__(
        self,
        migrations_dir: str | os.PathLike[str] = "migrations",
        engine: Engine | str | None = None,
        table: str = "migrations",
        *,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        single_transaction: bool = False,
        progress: ProgressCallback | None = None,
        require_lock: bool = False,
        protected: bool = False,
        connection_check_interval: float = DEFAULT_CONNECTION_CHECK_INTERVAL,
        statement_lock_timeout: float | None = None,
        statement_lock_retries: int = 0,
        out_of_order: OutOfOrderPolicy = "warn",
        schema: str | None = None,
        bind: str | None = None,
        seeders_dir: str | os.PathLike[str] | None = None,
        mysql_strict: bool = True,
        skip_post_deploy: bool = False,
        target_name: str | None = None,
    ) -> None:
        self.migrations_dir = Path(migrations_dir)
        self.seeders_dir = Path(seeders_dir or self.migrations_dir.parent / "seeders")
        self.mysql_strict = mysql_strict
        self.tracking = TrackingTable(table)
        self.lock_timeout = lock_timeout
        self.single_transaction = single_transaction
        self.progress = progress
        self.require_lock = require_lock
        #: Production: the commands that undo or rewrite history ask first (the CLI's job).
        self.protected = protected
        self.connection_check_interval = connection_check_interval
        self.statement_lock_timeout = statement_lock_timeout
        self.statement_lock_retries = statement_lock_retries
        self.out_of_order = out_of_order
        #: PostgreSQL: the schema every connection of a run is set to (a schema tenant).
        self.schema = schema
        self.bind = bind
        self.skip_post_deploy, self.target_name = skip_post_deploy, target_name
        self._engine: Engine | None = None if engine is None else resolve_engine(engine)

    @property
    def engine(self) -> Engine:
        """The engine migrated: the one given, else the current app's."""
        return self._engine or resolve_engine(None)

    def create(self, name: str, **options: Unpack[NewMigrationOptions]) -> Path:
        """Write a new migration file in this manager's directory; ``options`` (``create``,
        ``table``, ``sql``, ``post_deploy``) are :func:`create_migration`'s."""
        return create_migration(name, self.migrations_dir, **options)

    @contextmanager
    def connect(self, *, rehearsing: bool = False) -> Iterator[RunConnection]:
        """A connection of this manager's database, set up as its settings say: every
        connection of a run, a rehearsal, a check or a wait is opened here (see :mod:`.run`).

        It is the run's own, closed at the end; with ``schema``, set to that schema alone. A
        rehearsal of a SQLite file not made yet runs on an empty database in memory, so
        nothing is created.
        """
        stand_in = empty_stand_in(self.engine) if rehearsing else None
        try:
            with run_connection(stand_in or self.engine, self.schema) as conn:
                yield RunConnection(conn, self.tracking, RunSettings.of(self), self._emit, self)
        finally:
            if stand_in is not None:
                stand_in.dispose()

    def models(self, setting: object = None) -> list[MetaData]:
        """The models this database is compared with: ``setting`` (a ``MetaData``, a list,
        or import strings) if given, else those of this manager's ``bind`` (see :mod:`.models`)."""
        from .models.found import resolve_model_metadata

        return resolve_model_metadata(setting, bind=self.bind)

    def plan_autogenerate(self, metadata: object = None) -> AutogeneratePlan:
        """The migration that would make the database match the models (see
        :mod:`.autogenerate`), once every migration is applied. ``metadata`` defaults to
        :meth:`models`."""
        from .autogenerate.api import plan_for_database

        models = self.models(metadata)
        with self.connect() as run:
            return plan_for_database(run, self.migrations_dir, models)

    def write_autogenerated(self, name: str, plan: AutogeneratePlan) -> Path:
        """Write ``plan`` (from :meth:`plan_autogenerate`) as a new migration named ``name``."""
        from .autogenerate.api import write_autogenerated

        return write_autogenerated(plan, name, self.migrations_dir)

    def check_models(self, metadata: object = None) -> ModelCheck:
        """Pending and failed migrations, else how the models differ from the database."""
        from .models.check import check_models

        models = self.models(metadata)
        with self.connect() as run:
            return check_models(run, self.migrations_dir, models)

    def run_migrations(self, target: str | None = None, *, fake: bool = False) -> list[str]:
        """Apply pending migrations, up to and including ``target`` if given, as one batch;
        with ``fake``, record them as applied without running them (see :mod:`.adopt.fake`).

        Returns the names applied. When nothing is pending this costs a directory scan and
        one query: no migration file is imported and no lock is taken.
        """
        done = self._up(target, Faker if fake else Executor)
        return [] if done is None else done[0].names

    def rollback(self, steps: int = 1, *, fake: bool = False) -> list[str]:
        """Undo the last ``steps`` batches, newest migration first; return the names undone.
        With ``fake``, only their records are removed: ``down()`` does not run."""
        if steps < 1:
            raise ValueError("steps must be 1 or more")
        done = self._down(steps, Faker if fake else Executor)
        return [] if done is None else done[0].names

    def reset(self) -> list[str]:
        """Undo every applied migration, newest first; return the names undone."""
        done = self._down(None, Executor)
        return [] if done is None else done[0].names

    def status(self) -> Status:
        """Every migration with its state, in run order, from file names and one query.

        Only the files of applied migrations are read, for their checksums; none is imported.
        """
        stems = list_stems(self.migrations_dir)
        files = discover(self.migrations_dir, stems)
        with self.connect() as run:
            records = self.tracking.read(run.conn)
        return build_status(files, records, stems)

    def plan_repair(
        self,
        *,
        realign_checksums: bool = True,
        forget_missing: bool = False,
        rename_moved: bool = False,
    ) -> RepairPlan:
        """What :meth:`repair` would change now, to show before doing it. Takes no lock."""
        files = discover(self.migrations_dir)
        with self.connect() as run:
            records = self.tracking.read(run.conn)
        return plan_repair(
            files,
            records,
            realign_checksums=realign_checksums,
            forget_missing=forget_missing,
            rename_moved=rename_moved,
        )

    def repair(
        self,
        plan: RepairPlan | None = None,
        *,
        realign_checksums: bool = False,
        forget_missing: bool = False,
        rename_moved: bool = False,
    ) -> RepairResult:
        """Clear failed records and, if asked, store new checksums or forget missing files.

        Run it after putting the schema back as it was before the failed step: a migration
        that failed in ``up()`` is forgotten (it runs again with the next migrate), one that
        failed in ``down()`` is recorded as applied again. ``realign_checksums`` stores the
        checksum of applied files that changed since; ``forget_missing`` removes the records of
        applied migrations whose file is gone, without running anything; ``rename_moved``
        makes the record of an applied migration whose file was renamed (same content, new
        name) name the new file.

        Given a ``plan`` (from :meth:`plan_repair`, as shown to the person who confirmed it),
        only what it lists is done, and only if it still applies under the lock: a migration
        that failed since is left for the next repair. The plan's options replace the others.
        """
        options = plan or RepairPlan(
            (), (), (), realign_checksums, forget_missing, rename_moved=rename_moved
        )
        files = discover(self.migrations_dir)
        # Recorded by hand or not, the startup digest is computed again from the rows.
        with (
            self.connect() as run,
            run.exclusive("up"),
            self.tracking.changing(run.conn, refresh=True),
        ):
            return execute_repair(run.conn, self.tracking, files, options, shown=plan)

    def _up(self, target: str | None, execute: type[E]) -> tuple[MigrationPlan, E] | None:
        if self.require_lock and not is_supported(self.engine.dialect.name):
            raise UnsupportedDatabase.for_auto_run(self.engine.dialect.name)
        listing = DirectoryNames(self.migrations_dir)
        digest = listing.digest() if target is None else None
        last = None if target is None else find_target(discover(listing.dir, listing.stems), target)
        with self.connect(rehearsing=not execute.records) as run:
            if digest is not None and self.tracking.is_settled(run.conn, digest):
                return None  # one row read: the common case, however long the history
            stems = listing.stems
            states = self.tracking.read_states(run.conn)
            for progress in stray_files(stems, states, "up"):
                self._emit(progress)
            held = self.skip_post_deploy  # post-deploy files held back: no cause to take the lock
            if not Backlog.of(stems, states).held_back(self.migrations_dir, held).work_up_to(last):
                return None
            with run.exclusive("up") as impl:
                return up_under_lock(
                    run,
                    impl,
                    discover(self.migrations_dir, stems),
                    last,
                    execute,
                    out_of_order=self.out_of_order,
                    skip_post_deploy=self.skip_post_deploy,
                )

    def _down(self, batches: int | None, execute: type[E]) -> tuple[MigrationPlan, E] | None:
        with self.connect(rehearsing=not execute.records) as run:
            if not self.tracking.read_states(run.conn):
                return None
            with run.exclusive("down") as impl:
                files = discover(self.migrations_dir)
                return down_under_lock(run, impl, files, batches, execute)

    def _emit(self, progress: Progress) -> None:
        if self.progress is not None:
            self.progress(progress)
