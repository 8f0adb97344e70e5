"""The manager: the policy of a run (batches, targets, the lock) over plans and their execution.

A run that changes something takes the migration lock, reads the tracking table again under
it, plans (:mod:`.plan`), loads every file of the plan, and hands the plan to the executor
(:mod:`.executor`). The startup check stops before all that when nothing is left to do.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection, Engine

from .connection import leave_autocommit, resolve_engine, run_connection
from .create import create_migration
from .dialects import DialectImpl, dialect_for, is_supported, missing_guarantees
from .dialects.base import SUPPORTED_DATABASES
from .discovery import MigrationFile, discover, find_target, list_stems, misnamed
from .errors import ConfigurationError, FailedMigrationRecorded, UnsupportedDatabase
from .executor import Executor
from .loader import load_migration
from .lock import DEFAULT_LOCK_TIMEOUT
from .naming import parse_stem, sort_key
from .plan import (
    MigrationPlan,
    RepairKind,
    RepairPlan,
    RepairResult,
    edited_since_applied,
    plan_down,
    plan_repair,
    plan_up,
)
from .progress import Progress, ProgressCallback
from .states import APPLIED, Direction, Record
from .status import Status, build_status
from .tracking import TrackingTable

if TYPE_CHECKING:
    from .rehearsal import Rehearsal, Rehearser


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
    ) -> None:
        self.migrations_dir = Path(migrations_dir)
        self.tracking = TrackingTable(table)
        self.lock_timeout = lock_timeout
        self.single_transaction = single_transaction
        self.progress = progress
        self.require_lock = require_lock
        #: Production: the commands that undo or rewrite history ask first (the CLI's job).
        self.protected = protected
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

    def run_migrations(self, target: str | None = None) -> list[str]:
        """Apply pending migrations, up to and including ``target`` if given, as one batch.

        Returns the names applied. When nothing is pending this costs a directory scan and
        one query: no migration file is imported and no lock is taken.
        """
        engine = self.engine
        if self.require_lock and not is_supported(engine.dialect.name):
            raise UnsupportedDatabase(
                f"Auto-run refuses to migrate a {engine.dialect.name} database: many workers "
                "start at once, and only a migration lock keeps them from applying a migration "
                f"twice; flask-herogold-migrate has one for {SUPPORTED_DATABASES}. Run "
                "flask migrate once per deploy instead, and set HEROGOLD_MIGRATE_AUTO off."
            )
        stems = list_stems(self.migrations_dir)
        last = None if target is None else find_target(discover(self.migrations_dir, stems), target)
        with run_connection(engine) as conn:
            states = self.tracking.read_states(conn)
            unknown = [stem for stem in stems if stem not in states]
            for stem, reason in misnamed(unknown):
                self._emit(Progress("misnamed", stem, "up", reason=reason))
            on_disk = set(stems)
            gone = [name for name, state in states.items() if name not in on_disk]
            if gone:
                names = tuple(sorted(gone, key=sort_key))
                self._emit(Progress("missing", "", "up", names=names))
            if not _work_left(states, unknown, last):
                return []
            with self._exclusive(conn, "up") as impl:
                self._check_single_transaction_possible(impl)
                self.tracking.ensure(conn)
                records = self._records_ready_to_change(conn)
                files = discover(self.migrations_dir, stems)
                plan = plan_up(files, records, last)
                # Hashing every applied file has a cost the no-op path does not pay.
                by_name = {file.name: file for file in files}
                edited = tuple(
                    r.name
                    for r in sorted(records, key=lambda r: sort_key(r.name))
                    if r.name in by_name and edited_since_applied(r, by_name[r.name])
                )
                if edited:
                    self._emit(Progress("modified", "", "up", names=edited))
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
        from .rehearsal import rehearse

        return rehearse(self, "up", lambda rehearsing: rehearsing.run_migrations(target))

    def pretend_rollback(self, steps: int = 1) -> Rehearsal:
        """What :meth:`rollback` would run now, rehearsed as :meth:`pretend_migrations` does."""
        from .rehearsal import rehearse

        return rehearse(self, "down", lambda rehearsing: rehearsing.rollback(steps))

    def pretend_reset(self) -> Rehearsal:
        """What :meth:`reset` would run now, rehearsed as :meth:`pretend_migrations` does."""
        from .rehearsal import rehearse

        return rehearse(self, "down", MigrationManager.reset)

    def status(self) -> Status:
        """Every migration with its state, in run order, from file names and one query.

        Only the files of applied migrations are read, for their checksums; none is imported.
        """
        stems = list_stems(self.migrations_dir)
        files = discover(self.migrations_dir, stems)
        with run_connection(self.engine) as conn:
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
        with run_connection(self.engine) as conn:
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
        if plan is not None:
            realign_checksums, forget_missing = plan.realign_checksums, plan.forget_missing
            rename_moved = plan.rename_moved
        with run_connection(self.engine) as conn, self._exclusive(conn, "up"):
            records = self.tracking.read(conn)
            if records:
                self.tracking.ensure(conn)  # a table from an older version gets its columns
            files = discover(self.migrations_dir)
            now = plan_repair(
                files,
                records,
                realign_checksums=realign_checksums,
                forget_missing=forget_missing,
                rename_moved=rename_moved,
            )
            actions = [a for a in now.actions if plan is None or a in plan.actions]
            by_name = {file.name: file for file in files}
            with conn.begin():
                for action in actions:
                    if action.kind == "restore_failed_down":
                        self.tracking.restore(conn, action.name)
                    elif action.kind == "realign_checksum":
                        self.tracking.realign(conn, action.name, by_name[action.name].checksum())
                    elif action.kind == "rename" and action.new_name is not None:
                        self.tracking.rename(conn, action.name, action.new_name)
                    else:
                        self.tracking.forget(conn, action.name)

        def named(kind: RepairKind) -> list[str]:
            return [action.name for action in actions if action.kind == kind]

        return RepairResult(
            removed=named("remove_failed_up"),
            restored=named("restore_failed_down"),
            realigned=named("realign_checksum"),
            forgotten=named("forget_missing"),
            renamed=[(a.name, a.new_name) for a in actions if a.new_name is not None],
        )

    # -- internals -----------------------------------------------------------------------

    def _undo(self, batches: int | None) -> list[str]:
        with run_connection(self.engine) as conn:
            if not self.tracking.read_states(conn):
                return []
            with self._exclusive(conn, "down") as impl:
                self._check_single_transaction_possible(impl)
                self.tracking.ensure(conn)  # a table from an older version gets its columns
                records = self._records_ready_to_change(conn)
                plan = plan_down(discover(self.migrations_dir), records, batches)
                self._execute(conn, impl, plan)
                return plan.names

    @contextmanager
    def _exclusive(self, conn: Connection, direction: Direction) -> Iterator[DialectImpl]:
        """The run's connection set up for migrations, holding the migration lock."""
        impl = dialect_for(conn)
        warning = missing_guarantees(impl)
        if warning is not None:
            self._emit(Progress("unsupported", "", direction, reason=warning))
        leave_autocommit(conn)

        def say_who_holds_it(holder: str | None) -> None:
            self._emit(Progress("waiting", "", direction, self.lock_timeout, reason=holder))

        with (
            impl.prepared(conn),
            impl.locked(conn, self.tracking.name, self.lock_timeout, say_who_holds_it),
        ):
            yield impl

    def _check_single_transaction_possible(self, impl: DialectImpl) -> None:
        if self.single_transaction and not impl.transactional_ddl:
            raise ConfigurationError(
                f"A single transaction cannot hold a run on {impl.display_name}: every DDL "
                "statement commits on its own there, so a failure could not undo the run. "
                "Nothing was run. Run without --single-transaction "
                "(HEROGOLD_MIGRATE_SINGLE_TRANSACTION)."
            )

    def _records_ready_to_change(self, conn: Connection) -> list[Record]:
        """Read the table again under the lock; refuse to go on past a failed migration."""
        records = self.tracking.read(conn)
        stuck = sorted((r for r in records if r.stuck), key=lambda r: sort_key(r.name))
        if not stuck:
            return records
        # We hold the lock, so a 'running' row belongs to a process that died mid-migration.
        with conn.begin():
            for record in stuck:
                if record.running and record.direction:
                    self.tracking.fail(conn, record.name, record.direction)
        raise FailedMigrationRecorded.for_steps([(r.name, r.direction or "up") for r in stuck])

    def _execute(self, conn: Connection, impl: DialectImpl, plan: MigrationPlan) -> None:
        # Every file is loaded and checked before the first one runs.
        migrations = [load_migration(step.file) for step in plan.steps]
        if self._rehearsal is not None:
            self._rehearsal.execute(conn, impl, self.tracking, plan, migrations)
            return
        executor = Executor(
            conn, impl, self.tracking, self._emit, single_transaction=self.single_transaction
        )
        executor.execute(plan, migrations)

    def _emit(self, progress: Progress) -> None:
        if self.progress is not None:
            self.progress(progress)


def _work_left(states: dict[str, str], unknown: list[str], last: MigrationFile | None) -> bool:
    """The startup check: only the names the database lacks (``unknown``) are parsed."""
    if any(state != APPLIED for state in states.values()):
        return True  # go on to the locked path, which reports it
    for stem in unknown:
        parsed = parse_stem(stem)
        if parsed and (last is None or parsed.sort_key <= last.parsed.sort_key):
            return True
    return False
