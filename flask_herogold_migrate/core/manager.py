"""The manager: the policy of a run (batches, targets, the lock) over plans and their execution.

A run that changes something takes the migration lock, reads the tracking table again under
it, plans (:mod:`.plan`), loads every file of the plan, and hands the plan to the executor
(:mod:`.executor`). The startup check stops before all that when nothing is left to do.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection, Engine

from .dialects import DialectImpl, is_supported
from .errors import ConfigurationError, UnsupportedDatabase
from .files.create import create_migration
from .files.discovery import discover, find_target, list_stems, misnamed
from .files.listing import DirectoryNames
from .files.loader import load_migration
from .files.naming import sort_key
from .progress import Progress, ProgressCallback
from .runtime.connection import resolve_engine, run_connection
from .runtime.executor import Executor
from .runtime.lock import DEFAULT_CONNECTION_CHECK_INTERVAL, DEFAULT_LOCK_TIMEOUT, holding_the_lock
from .runtime.plan import (
    MigrationPlan,
    OutOfOrderPolicy,
    plan_down,
    plan_up,
    work_left,
)
from .runtime.repair import RepairPlan, RepairResult, execute_repair, plan_repair
from .runtime.statement_locks import StatementLockPolicy
from .runtime.status import Status, build_status
from .runtime.tracking import TrackingTable
from .states import Direction

if TYPE_CHECKING:
    from .autogenerate.model_check import ModelCheck
    from .autogenerate.plan import AutogeneratePlan
    from .preview.rehearsal import Rehearsal, Rehearser


class MigrationManager:
    """Applies and rolls back the migrations in ``migrations_dir`` on one database.

    ``engine`` is an :class:`~sqlalchemy.engine.Engine` or a database URL; left out inside a
    Flask app context with :class:`~flask_herogold_migrate.HerogoldMigrate`, it is the app's.
    Every run that changes something holds the migration lock (see :mod:`.lock`) and reads the
    tracking table again once it has it, so concurrent runs never apply a migration twice.

    Each migration commits with its tracking row. With ``single_transaction`` a whole run (a
    batch applied, or the batches undone) commits once instead, or not at all: a failure leaves
    the database as it was before the run. That needs transactional DDL (SQLite, PostgreSQL)
    and no migration with ``transactional = False``; otherwise the run refuses to start.

    ``require_lock`` refuses to change a database that has no cross-process migration lock of
    ours (one this package does not support), as auto-run in many workers must.
    ``protected`` marks a production database: the commands that undo or rewrite history
    (rollback, reset, repair) ask for confirmation first. The API itself never asks.

    ``connection_check_interval``, ``statement_lock_timeout``, ``statement_lock_retries`` and
    ``out_of_order`` are the settings of the same names described in Configuration.

    ``schema`` (PostgreSQL) runs everything in that schema: ``search_path`` is set to it
    alone, so the tracking table, the lock and what the migrations create are the schema's.
    """

    #: Set on the copy of a manager that rehearses a run (see :mod:`.rehearsal`).
    _rehearsal: Rehearser | None = None

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
    ) -> None:
        self.migrations_dir = Path(migrations_dir)
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
        self._engine: Engine | None = None if engine is None else resolve_engine(engine)

    @property
    def engine(self) -> Engine:
        """The engine migrated: the one given, else the current app's."""
        return self._engine or resolve_engine(None)

    def create(
        self, name: str, *, create: str | None = None, table: str | None = None, sql: bool = False
    ) -> Path:
        """Write a new migration file in this manager's directory (see :func:`create_migration`)."""
        return create_migration(name, self.migrations_dir, create=create, table=table, sql=sql)

    def plan_autogenerate(self, metadata: object = None) -> AutogeneratePlan:
        """The migration that would make the database match the models (see
        :mod:`.autogenerate`), once every migration is applied. ``metadata`` (a ``MetaData``,
        a list, or import strings) defaults to the models found (see :mod:`.models`)."""
        from .autogenerate.api import plan_for_database
        from .autogenerate.models import resolve_model_metadata

        models = resolve_model_metadata(metadata)
        return plan_for_database(self.engine, self.migrations_dir, self.tracking, models)

    def write_autogenerated(self, name: str, plan: AutogeneratePlan) -> Path:
        """Write ``plan`` (from :meth:`plan_autogenerate`) as a new migration named ``name``."""
        from .autogenerate.api import write_autogenerated

        return write_autogenerated(plan, name, self.migrations_dir)

    def check_models(self, metadata: object = None) -> ModelCheck:
        """Pending and failed migrations, else how the models differ from the database."""
        from .autogenerate.model_check import check_models
        from .autogenerate.models import resolve_model_metadata

        models = resolve_model_metadata(metadata)
        return check_models(self.engine, self.migrations_dir, self.tracking, models)

    def run_migrations(self, target: str | None = None) -> list[str]:
        """Apply pending migrations, up to and including ``target`` if given, as one batch.

        Returns the names applied. When nothing is pending this costs a directory scan and
        one query: no migration file is imported and no lock is taken.
        """
        engine = self.engine
        if self.require_lock and not is_supported(engine.dialect.name):
            raise UnsupportedDatabase.for_auto_run(engine.dialect.name)
        listing = DirectoryNames(self.migrations_dir)
        digest = listing.digest() if target is None else None
        last = None if target is None else find_target(discover(listing.dir, listing.stems), target)
        with run_connection(engine, self.schema) as conn:
            if digest is not None and self.tracking.is_settled(conn, digest):
                return []  # one row read: the common case, however long the history
            stems = listing.stems
            states = self.tracking.read_states(conn)
            unknown = [stem for stem in stems if stem not in states]
            for stem, reason in misnamed(unknown):
                self._emit(Progress("misnamed", stem, "up", reason=reason))
            on_disk = set(stems)
            gone = [name for name, state in states.items() if name not in on_disk]
            if gone:
                names = tuple(sorted(gone, key=sort_key))
                self._emit(Progress("missing", "", "up", names=names))
            if not work_left(states, unknown, last):
                return []
            with self._exclusive(conn, "up") as impl:
                self._check_single_transaction_possible(impl)
                self.tracking.ensure(conn)
                records = self.tracking.read_for_change(conn)
                files = discover(self.migrations_dir, stems)
                plan = plan_up(files, records, last, self.out_of_order)
                if plan.out_of_order and self.out_of_order == "warn":
                    late, newest = plan.out_of_order, plan.newest_recorded
                    self._emit(Progress("out_of_order", "", "up", reason=newest, names=late))
                if plan.edited:
                    self._emit(Progress("modified", "", "up", names=plan.edited))
                self._execute(conn, impl, plan)
                return plan.names

    def rollback(self, steps: int = 1) -> list[str]:
        """Undo the last ``steps`` batches, newest migration first; return the names undone."""
        if steps < 1:
            raise ValueError("steps must be 1 or more")
        return self._undo(steps)

    def reset(self) -> list[str]:
        """Undo every applied migration, newest first; return the names undone."""
        return self._undo(None)

    def pretend_migrations(self, target: str | None = None) -> Rehearsal:
        """What :meth:`run_migrations` would run now, rehearsed without changing anything.

        See :mod:`.rehearsal`: on SQLite and PostgreSQL the batch runs in one transaction that
        is rolled back; on MySQL and MariaDB its statements are recorded, not sent.
        """
        from .preview.rehearsal import rehearse

        return rehearse(self, "up", lambda rehearsing: rehearsing.run_migrations(target))

    def pretend_rollback(self, steps: int = 1) -> Rehearsal:
        """What :meth:`rollback` would run now, rehearsed as :meth:`pretend_migrations` does."""
        from .preview.rehearsal import rehearse

        return rehearse(self, "down", lambda rehearsing: rehearsing.rollback(steps))

    def pretend_reset(self) -> Rehearsal:
        """What :meth:`reset` would run now, rehearsed as :meth:`pretend_migrations` does."""
        from .preview.rehearsal import rehearse

        return rehearse(self, "down", MigrationManager.reset)

    def status(self) -> Status:
        """Every migration with its state, in run order, from file names and one query.

        Only the files of applied migrations are read, for their checksums; none is imported.
        """
        stems = list_stems(self.migrations_dir)
        files = discover(self.migrations_dir, stems)
        with run_connection(self.engine, self.schema) as conn:
            records = self.tracking.read(conn)
        taken = {file.name for file in files}
        return build_status(files, records, misnamed([s for s in stems if s not in taken]))

    def plan_repair(
        self,
        *,
        realign_checksums: bool = True,
        forget_missing: bool = False,
        rename_moved: bool = False,
    ) -> RepairPlan:
        """What :meth:`repair` would change now, to show before doing it. Takes no lock."""
        files = discover(self.migrations_dir)
        with run_connection(self.engine, self.schema) as conn:
            records = self.tracking.read(conn)
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
        with run_connection(self.engine, self.schema) as conn, self._exclusive(conn, "up"):
            records = self.tracking.read(conn)
            if records:
                self.tracking.ensure(conn)  # a table from an older version gets its columns
            files = discover(self.migrations_dir)
            with self.tracking.changing(conn, refresh=True):  # a digest set right by hand
                return execute_repair(conn, self.tracking, files, records, options, shown=plan)

    # -- internals -----------------------------------------------------------------------

    def _undo(self, batches: int | None) -> list[str]:
        with run_connection(self.engine, self.schema) as conn:
            if not self.tracking.read_states(conn):
                return []
            with self._exclusive(conn, "down") as impl:
                self._check_single_transaction_possible(impl)
                self.tracking.ensure(conn)  # a table from an older version gets its columns
                records = self.tracking.read_for_change(conn)
                plan = plan_down(discover(self.migrations_dir), records, batches)
                self._execute(conn, impl, plan)
                return plan.names

    def _exclusive(
        self, conn: Connection, direction: Direction
    ) -> AbstractContextManager[DialectImpl]:
        return holding_the_lock(
            conn,
            self.tracking.name,
            direction,
            lock_timeout=self.lock_timeout,
            connection_check_interval=self.connection_check_interval,
            emit=self._emit,
        )

    def _check_single_transaction_possible(self, impl: DialectImpl) -> None:
        if self.single_transaction and not impl.transactional_ddl:
            raise ConfigurationError(
                f"A single transaction cannot hold a run on {impl.display_name}: every DDL "
                "statement commits on its own there, so a failure could not undo the run. "
                "Nothing was run. Run without --single-transaction "
                "(HEROGOLD_MIGRATE_SINGLE_TRANSACTION)."
            )

    def _execute(self, conn: Connection, impl: DialectImpl, plan: MigrationPlan) -> None:
        # Every file is loaded and checked before the first one runs.
        migrations = [load_migration(step.file) for step in plan.steps]
        if self._rehearsal is not None:
            self._rehearsal.execute(conn, impl, self.tracking, plan, migrations)
            return
        locks = StatementLockPolicy(self.statement_lock_timeout, self.statement_lock_retries)
        executor = Executor(
            conn,
            impl,
            self.tracking,
            self._emit,
            single_transaction=self.single_transaction,
            statement_locks=locks,
        )
        executor.execute(plan, migrations)

    def _emit(self, progress: Progress) -> None:
        if self.progress is not None:
            self.progress(progress)
