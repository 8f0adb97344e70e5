"""Running a plan: each step in its transaction, with its row in the tracking table.

Where the database and the migration allow it (transactional DDL, ``transactional`` left on),
a step and its row commit together or not at all. Elsewhere the row says ``running`` before
the step starts; on success it is finished, on failure it is put back if nothing committed,
and otherwise left ``failed``, which blocks later runs until ``migrate:repair``. Which
statements commit on their own is the dialect's to say, and :class:`.StatementWatch` notes
whether one ran.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import partial
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from ..dialects import DialectImpl
from ..dialects.base import JoinMode, StatementWatch
from ..errors import (
    ConfigurationError,
    FailureLocation,
    MigrationError,
    MigrationFailed,
    RunNotCommitted,
)
from ..migration import Migration
from ..progress import Progress
from .plan import MigrationPlan, PlannedStep
from .session import run_step
from .statement_locks import StatementLockPolicy, StatementLocks
from .tracking import TrackingTable


class Executor:
    """Runs the steps of a plan on the run's connection, which holds the migration lock."""

    def __init__(
        self,
        conn: Connection,
        impl: DialectImpl,
        tracking: TrackingTable,
        emit: Callable[[Progress], None],
        *,
        single_transaction: bool = False,
        statement_locks: StatementLockPolicy | None = None,
    ) -> None:
        self.conn = conn
        self.impl = impl
        self.tracking = tracking
        self.emit = emit
        self.single_transaction = single_transaction
        self.locks = StatementLocks(conn, impl, statement_locks or StatementLockPolicy(), emit)

    def execute(self, plan: MigrationPlan, migrations: Sequence[Migration]) -> None:
        """Run every step of ``plan``; ``migrations`` are its loaded files, in the same order."""
        completed: list[str] = []
        try:
            with (
                self.tracking.changing(self.conn),
                self.locks.applied(),
                self.impl.running_steps(self.conn),
                self._run_transaction(migrations) as joined,
            ):
                for step, migration in zip(plan.steps, migrations, strict=True):
                    # A step of a single transaction cannot be tried again: the run's is lost.
                    attempt = partial(self.run, step, migration, joined=joined)
                    self.locks.run(step, attempt, retry=not joined)
                    if not joined:  # a single transaction keeps nothing of a failed run
                        completed.append(step.name)
        except MigrationError as error:
            error.completed = tuple(completed)
            raise

    def run(self, step: PlannedStep, migration: Migration, *, joined: bool = False) -> None:
        """Run one step and record it, atomically where the database and migration allow.

        ``joined``: the step runs in the run's single transaction, which commits or rolls back
        the whole run.
        """
        self.emit(Progress("start", step.name, step.direction))
        started = time.perf_counter()
        conn, impl = self.conn, self.impl
        try:
            if joined or (impl.transactional_ddl and migration.transactional):
                with nullcontext() if joined else impl.begin(conn):
                    run_step(conn, impl.join_transaction_mode, _method(migration, step))
                    impl.check_before_commit(conn)
                    self.tracking.record(conn, step, commit=not joined)
            else:
                with conn.begin():
                    self.tracking.start(conn, step)
                self._run_started(step, migration)
        except _HalfDone as half_done:
            raise MigrationFailed(
                step.name,
                step.direction,
                half_done.error,
                recorded_failed=True,
                because=half_done.because,
                unrecorded=half_done.unrecorded,
                location=_location(half_done.error, step),
                lock_wait=self.locks.explain(half_done.error),
            ) from half_done.error
        except (Exception, SystemExit) as error:  # sys.exit() in a step must not end us silently
            raise MigrationFailed(
                step.name,
                step.direction,
                error,
                recorded_failed=False,
                whole_run=joined,
                location=_location(error, step),
                needs_no_transaction=impl.refused_in_a_transaction(error),
                lock_wait=self.locks.explain(error),
            ) from error
        self.emit(Progress("done", step.name, step.direction, time.perf_counter() - started))

    def _run_started(self, step: PlannedStep, migration: Migration) -> None:
        """A step whose row says ``running``: finish it, undo the start, or leave it failed."""
        conn, impl = self.conn, self.impl
        if migration.transactional:
            mode: JoinMode = impl.join_transaction_mode
            statements_commit: AbstractContextManager[None] = nullcontext()
            because = f"DDL on {impl.display_name} commits on its own"
        else:
            mode, statements_commit = "rollback_only", impl.autocommit(conn)
            because = "it has transactional = False, so each statement commits on its own"
        # Whether anything committed decides between undoing the start and leaving it failed.
        watch = StatementWatch(conn, impl, autocommit=not migration.transactional)
        try:
            with statements_commit, watch, conn.begin():
                run_step(
                    conn, mode, _method(migration, step), in_transaction=migration.transactional
                )
                impl.check_before_commit(conn)
                self.tracking.finish(conn, step)
        except BaseException as error:
            # Ctrl-C too: the process is alive to record what it knows, and a row left
            # 'running' would read as another process migrating until the next run.
            interrupted = not isinstance(error, (Exception, SystemExit))
            try:
                with conn.begin():
                    if watch.committed:
                        self.tracking.fail(conn, step.name, step.direction)
                    else:
                        self.tracking.undo_start(conn, step)
            except Exception as recording_error:
                if interrupted:
                    raise error from None
                # The step's own error is the one to report. The row stays 'running', which
                # the next run, under the lock, turns into 'failed'.
                raise _HalfDone(
                    error, because if watch.committed else None, recording_error
                ) from error
            if interrupted:
                raise  # an interrupt stays an interrupt, its step now recorded
            if watch.committed:
                raise _HalfDone(error, because) from error
            raise

    @contextmanager
    def _run_transaction(self, migrations: Sequence[Migration]) -> Iterator[bool]:
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
            with self.impl.begin(self.conn):
                yield True
                committing = True
        except DBAPIError as error:
            if committing:  # checks deferred to COMMIT belong to no one migration
                raise RunNotCommitted(error) from error
            raise


def _method(migration: Migration, step: PlannedStep) -> Callable[[Any], None]:
    return migration.up if step.direction == "up" else migration.down


def _location(error: BaseException, step: PlannedStep) -> FailureLocation | None:
    """The innermost line of the migration's own file in the traceback: where it failed."""
    path = str(step.file.path)
    found = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == path and frame.lineno is not None:
            found = FailureLocation(path, frame.lineno, frame.name)
    return found


class _HalfDone(Exception):
    """A step failed after part of it committed; its record was left as failed."""

    def __init__(
        self, error: BaseException, because: str | None, unrecorded: Exception | None = None
    ) -> None:
        self.error = error
        self.because = because  # None: nothing had committed
        self.unrecorded = unrecorded  # the error that kept the record from being updated
