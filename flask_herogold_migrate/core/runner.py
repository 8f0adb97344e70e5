"""The runner: applies, rolls back and reports migrations, one batch per run."""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import partial
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from .connection import leave_autocommit, resolve_engine, run_connection
from .create import create_migration
from .dialects import DialectImpl, dialect_for
from .dialects.base import JoinMode, StatementWatch
from .discovery import MigrationFile, discover, find_target, list_stems, misnamed
from .errors import (
    ConfigurationError,
    FailedMigrationRecorded,
    MigrationFailed,
    MigrationFileMissing,
    RunNotCommitted,
)
from .loader import load_migration
from .lock import DEFAULT_LOCK_TIMEOUT
from .migration import Migration
from .naming import parse_stem, sort_key
from .progress import Progress, ProgressCallback
from .session import run_step
from .status import build_status
from .tracking import APPLIED, Record, TrackingTable, failed_state, running_state


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
    """

    def __init__(
        self,
        migrations_dir: str | os.PathLike[str] = "migrations",
        engine: Engine | str | None = None,
        table: str = "migrations",
        *,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        single_transaction: bool = False,
        progress: ProgressCallback | None = None,
    ) -> None:
        self.migrations_dir = Path(migrations_dir)
        self.tracking = TrackingTable(table)
        self.lock_timeout = lock_timeout
        self.single_transaction = single_transaction
        self.progress = progress
        self._engine: Engine | None = None if engine is None else resolve_engine(engine)

    @property
    def engine(self) -> Engine:
        """The engine migrated: the one given, else the current app's."""
        return self._engine or resolve_engine(None)

    def create(self, name: str) -> Path:
        """Write a new migration file in this manager's directory."""
        return create_migration(name, self.migrations_dir)

    def run_migrations(self, target: str | None = None) -> list[str]:
        """Apply pending migrations, up to and including ``target`` if given, as one batch.

        Returns the names applied. When nothing is pending this costs a directory scan and
        one query: no migration file is imported and no lock is taken.
        """
        stems = list_stems(self.migrations_dir)
        last = None if target is None else find_target(discover(self.migrations_dir, stems), target)
        with run_connection(self.engine) as conn:
            states = self.tracking.read_states(conn)
            unknown = [stem for stem in stems if stem not in states]
            for stem, reason in misnamed(unknown):
                self._emit(Progress("misnamed", stem, "up", reason=reason))
            if not _work_left(states, unknown, last):
                return []
            with self._locked(conn) as impl, _objects_so_far_frozen():
                self._check_single_transaction_possible(impl)
                self.tracking.ensure(conn)
                records = self._records_ready_to_change(conn)
                todo = _pending(discover(self.migrations_dir, stems), records, last)
                # Every file is loaded and checked before the first one runs.
                loaded = [(file, load_migration(file)) for file in todo]
                batch = max((r.batch for r in records), default=0) + 1
                with self._run_transaction(conn, impl, [m for _, m in loaded]) as joined:
                    for file, migration in loaded:
                        self._apply(conn, impl, file, migration, batch, joined)
                return [file.name for file in todo]

    def rollback(self, steps: int = 1) -> list[str]:
        """Undo the last ``steps`` batches, newest migration first; return the names undone."""
        if steps < 1:
            raise ValueError("steps must be 1 or more")
        return self._undo(lambda batches: batches[:steps])

    def reset(self) -> list[str]:
        """Undo every applied migration, newest first; return the names undone."""
        return self._undo(lambda batches: batches)

    def status(self) -> dict[str, Any]:
        """Every migration with its state, in run order, from file names and one query.

        ``result["migrations"]`` is a list of ``{"name", "state", "batch", "applied_at",
        "modified", "step"}``; ``result[state]`` lists the names in each state (``applied``,
        ``pending``, ``missing``, ``failed``, ``running``) and ``result["modified"]`` the
        applied migrations whose file changed since. ``step`` is ``"up"`` or ``"down"`` for a
        failed or running migration: the step it stopped in. ``result["misnamed"]`` lists the
        files that look meant as migrations but whose names are not, as ``{"name", "reason"}``:
        they are never run.
        """
        stems = list_stems(self.migrations_dir)
        files = discover(self.migrations_dir, stems)
        with run_connection(self.engine) as conn:
            records = self.tracking.read(conn)
        taken = {file.name for file in files}
        return build_status(files, records, misnamed([s for s in stems if s not in taken]))

    def repair(
        self,
        realign_checksums: bool = False,
        forget_missing: bool = False,
        only: Collection[str] | None = None,
    ) -> dict[str, list[str]]:
        """Clear failed records and, if asked, store new checksums or forget missing files.

        Run it after putting the schema back as it was before the failed step: a migration
        that failed in ``up()`` is forgotten (it runs again with the next migrate), one that
        failed in ``down()`` is recorded as applied again. ``realign_checksums`` stores the
        checksum of applied files that changed since; ``forget_missing`` removes the records of
        applied migrations whose file is gone, without running anything. ``only`` limits it to
        those migrations, as listed to the person who confirmed: one that failed since is left
        for the next repair. Returns ``{"removed": [...], "restored": [...], "realigned":
        [...], "forgotten": [...]}``.
        """
        with run_connection(self.engine) as conn, self._locked(conn):
            records = self.tracking.read(conn)
            if records:
                self.tracking.ensure(conn)  # a table from an older version gets its columns
            records = [r for r in records if only is None or r.name in only]
            removed = [r.name for r in records if r.direction == "up"]
            restored = [r.name for r in records if r.direction == "down"]
            realigned: dict[str, str] = {}
            forgotten: list[str] = []
            if (realign_checksums or forget_missing) and records:
                files = {f.name: f for f in discover(self.migrations_dir)}
                if forget_missing:
                    forgotten = [
                        r.name for r in records if r.state == APPLIED and r.name not in files
                    ]
                for record in records if realign_checksums else ():
                    file = files.get(record.name)
                    checksum = file.checksum() if file and record.state == APPLIED else None
                    if checksum is not None and checksum != record.checksum:
                        realigned[record.name] = checksum
            with conn.begin():
                for name in removed:
                    self.tracking.remove(conn, name)
                for name in restored:
                    self.tracking.set_state(conn, name, APPLIED)
                for name, checksum in realigned.items():
                    self.tracking.set_checksum(conn, name, checksum)
                for name in forgotten:
                    self.tracking.remove(conn, name)
            return {
                "removed": removed,
                "restored": restored,
                "realigned": list(realigned),
                "forgotten": forgotten,
            }

    # -- internals -----------------------------------------------------------------------

    def _undo(self, choose_batches: Callable[[list[int]], list[int]]) -> list[str]:
        with run_connection(self.engine) as conn:
            if not self.tracking.read_states(conn):
                return []
            with self._locked(conn, "down") as impl, _objects_so_far_frozen():
                self._check_single_transaction_possible(impl)
                self.tracking.ensure(conn)  # a table from an older version gets its columns
                records = self._records_ready_to_change(conn)
                chosen = set(choose_batches(sorted({r.batch for r in records}, reverse=True)))
                victims = sorted(
                    (r for r in records if r.batch in chosen),
                    key=lambda r: (r.batch, sort_key(r.name)),
                    reverse=True,
                )
                files = {f.name: f for f in discover(self.migrations_dir)}
                # Dropping a record without its down() would leave the schema behind, and a
                # restored file would run up() over its own tables: refuse, as Alembic does.
                missing = [r.name for r in victims if r.name not in files]
                if missing:
                    raise MigrationFileMissing.for_names(missing)
                loaded = [(r, load_migration(files[r.name])) for r in victims]
                with self._run_transaction(conn, impl, [m for _, m in loaded]) as joined:
                    for record, migration in loaded:
                        self._revert(conn, impl, record, migration, joined)
                return [r.name for r in victims]

    @contextmanager
    def _locked(
        self, conn: Connection, direction: Literal["up", "down"] = "up"
    ) -> Iterator[DialectImpl]:
        impl = dialect_for(conn)
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

    @contextmanager
    def _run_transaction(
        self, conn: Connection, impl: DialectImpl, migrations: list[Migration]
    ) -> Iterator[bool]:
        """The run's single transaction, if asked for; yields whether steps join it."""
        if not self.single_transaction:
            yield False
            return
        opted_out = [m.name for m in migrations if not m.transactional]
        if opted_out:
            subject = "it cannot" if len(opted_out) == 1 else "they cannot"
            raise ConfigurationError(
                f"{', '.join(opted_out)} set transactional = False, so {subject} run inside "
                "a single transaction. Nothing was run. Run without --single-transaction "
                "(HEROGOLD_MIGRATE_SINGLE_TRANSACTION)."
            )
        committing = False
        try:
            with impl.begin(conn):
                yield True
                committing = True
        except DBAPIError as error:
            if committing:  # checks deferred to COMMIT belong to no one migration
                raise RunNotCommitted(error) from error
            raise

    def _records_ready_to_change(self, conn: Connection) -> list[Record]:
        """Read the table again under the lock; refuse to go on past a failed migration."""
        records = self.tracking.read(conn)
        stuck = sorted((r for r in records if r.state != APPLIED), key=lambda r: sort_key(r.name))
        if not stuck:
            return records
        # We hold the lock, so a 'running' row belongs to a process that died mid-migration.
        with conn.begin():
            for record in stuck:
                if record.running and record.direction:
                    self.tracking.set_state(conn, record.name, failed_state(record.direction))
        raise FailedMigrationRecorded.for_steps([(r.name, r.direction or "up") for r in stuck])

    def _apply(
        self,
        conn: Connection,
        impl: DialectImpl,
        file: MigrationFile,
        migration: Migration,
        batch: int,
        joined: bool,
    ) -> None:
        name, checksum = file.name, file.checksum()
        add = partial(self.tracking.add, conn, name, batch, checksum)
        self._run(
            conn, impl, migration, "up", joined,
            atomic_record=partial(add, APPLIED),
            mark=partial(add, running_state("up")),
            finish=partial(self.tracking.set_state, conn, name, APPLIED, now=True),
            unmark=partial(self.tracking.remove, conn, name),
        )  # fmt: skip

    def _revert(
        self,
        conn: Connection,
        impl: DialectImpl,
        record: Record,
        migration: Migration,
        joined: bool,
    ) -> None:
        remove = partial(self.tracking.remove, conn, record.name)
        self._run(
            conn, impl, migration, "down", joined,
            atomic_record=remove,
            mark=partial(self.tracking.set_state, conn, record.name, running_state("down")),
            finish=remove,
            unmark=partial(self.tracking.set_state, conn, record.name, APPLIED),
        )  # fmt: skip

    def _run(
        self,
        conn: Connection,
        impl: DialectImpl,
        migration: Migration,
        direction: Literal["up", "down"],
        joined: bool,
        *,
        atomic_record: Callable[[], None],
        mark: Callable[[], None],
        finish: Callable[[], None],
        unmark: Callable[[], None],
    ) -> None:
        """Run one step and record it, atomically where the database and migration allow.

        ``joined``: the step runs in the run's single transaction, which commits or rolls back
        the whole run. Otherwise (DDL that commits on its own, or a migration that opted out of
        transactions) the row says 'running' (``mark``) until the step ends: on success
        ``finish`` records it; on failure before anything committed, ``unmark`` puts the row
        back, and after that the row stays 'failed' and blocks runs until repaired.
        """
        name, step = migration.name, getattr(migration, direction)
        self._emit(Progress("start", name, direction))
        started = time.perf_counter()
        try:
            if joined or (impl.transactional_ddl and migration.transactional):
                with nullcontext() if joined else impl.begin(conn):
                    run_step(conn, impl.join_transaction_mode, step)
                    atomic_record()
            else:
                with conn.begin():
                    mark()
                self._run_marked(conn, impl, migration, direction, finish, unmark)
        except _HalfDone as half_done:
            raise MigrationFailed(
                name,
                direction,
                half_done.error,
                recorded_failed=True,
                because=half_done.because,
                unrecorded=half_done.unrecorded,
            ) from half_done.error
        except (Exception, SystemExit) as error:  # sys.exit() in a step must not end us silently
            raise MigrationFailed(
                name, direction, error, recorded_failed=False, whole_run=joined
            ) from error
        self._emit(Progress("done", name, direction, time.perf_counter() - started))

    def _run_marked(
        self,
        conn: Connection,
        impl: DialectImpl,
        migration: Migration,
        direction: Literal["up", "down"],
        finish: Callable[[], None],
        unmark: Callable[[], None],
    ) -> None:
        if migration.transactional:
            mode: JoinMode = impl.join_transaction_mode
            statements_commit: AbstractContextManager[None] = nullcontext()
            because = f"DDL on {impl.display_name} commits on its own"
        else:
            mode, statements_commit = "rollback_only", impl.autocommit(conn)
            because = "it has transactional = False, so each statement commits on its own"
        # Whether anything committed decides between undoing the record and leaving it failed.
        watch = StatementWatch(conn, impl, autocommit=not migration.transactional)
        try:
            with statements_commit, watch, conn.begin():
                run_step(conn, mode, getattr(migration, direction))
                finish()
        except (Exception, SystemExit) as error:
            try:
                with conn.begin():
                    if watch.committed:
                        self.tracking.set_state(conn, migration.name, failed_state(direction))
                    else:
                        unmark()
            except Exception as recording_error:
                # The step's own error is the one to report. The row stays 'running', which
                # the next run, under the lock, turns into 'failed'.
                raise _HalfDone(
                    error, because if watch.committed else None, recording_error
                ) from error
            if watch.committed:
                raise _HalfDone(error, because) from error
            raise

    def _emit(self, progress: Progress) -> None:
        if self.progress is not None:
            self.progress(progress)


class _HalfDone(Exception):
    """A step failed after part of it committed; its record was left as failed."""

    def __init__(
        self, error: BaseException, because: str | None, unrecorded: Exception | None = None
    ) -> None:
        self.error = error
        self.because = because  # None: nothing had committed
        self.unrecorded = unrecorded  # the error that kept the record from being updated


@contextmanager
def _objects_so_far_frozen() -> Iterator[None]:
    """Keep the objects that exist before a run out of the garbage collector's full passes.

    Loading a thousand migrations and running them makes the collector walk every object of
    the process (Flask, SQLAlchemy, the app) several times: freezing them took about 3% off
    applying 1,000 migrations. Frozen objects are only skipped, never lost: they are unfrozen
    afterwards. If the process froze objects of its own (a pre-fork server), it is left alone.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _work_left(states: dict[str, str], unknown: list[str], last: MigrationFile | None) -> bool:
    """The startup check: only the names the database lacks (``unknown``) are parsed."""
    if any(state != APPLIED for state in states.values()):
        return True  # go on to the locked path, which reports it
    for stem in unknown:
        parsed = parse_stem(stem)
        if parsed and (last is None or parsed.sort_key <= last.parsed.sort_key):
            return True
    return False


def _pending(
    files: list[MigrationFile], records: list[Record], last: MigrationFile | None
) -> list[MigrationFile]:
    done = {r.name for r in records}
    return [
        f
        for f in files
        if f.name not in done and (last is None or f.parsed.sort_key <= last.parsed.sort_key)
    ]
