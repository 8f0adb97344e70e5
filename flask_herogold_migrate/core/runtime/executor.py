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
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import partial
from typing import Any, TypeVar

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from ..deploy.post_deploy import check_declared
from ..dialects import DialectImpl
from ..dialects.base import JoinMode, StatementWatch
from ..errors import (
    ConfigurationError,
    MigrationError,
    MigrationFailed,
    RunNotCommitted,
    TransactionEndedInStep,
)
from ..errors.interrupted import Interrupted
from ..errors.locked import StepNotStarted
from ..files.loader import load_migration
from ..migration import Migration
from ..progress import Progress
from .other_writers import not_started
from .plan import MigrationPlan, PlannedStep
from .run import RunConnection
from .session import run_step
from .step_failure import HalfDone, failure_location

E = TypeVar("E", bound="Executor")


class Executor:
    """Runs the steps of a plan on the run's connection, which holds the migration lock."""

    #: Whether each step's row is written: a rehearsal (:mod:`..preview.rehearsal`) writes none.
    records = True

    def __init__(self, run: RunConnection, impl: DialectImpl) -> None:
        self.run_connection = run
        self.conn = run.conn
        self.impl = impl
        self.tracking = run.tracking
        self.emit = run.emit
        self.single_transaction = run.settings.single_transaction
        self.locks = run.statement_locks(impl)
        #: Whether the step an interrupt stopped is recorded as failed.
        self._left_failed = False

    @classmethod
    def carry_out(cls: type[E], run: RunConnection, impl: DialectImpl, plan: MigrationPlan) -> E:
        """Execute ``plan``, every file of which is loaded and checked before the first runs."""
        migrations = [load_migration(step.file) for step in plan.steps]
        if plan.direction == "up":
            check_declared([step.file for step in plan.steps], migrations)
        executor = cls(run, impl)
        if not cls.records:  # a rehearsal: no signals, no heartbeat
            executor.execute(plan, migrations)
            return executor
        with run.reported(plan) as emit:
            executor.emit = emit
            executor.execute(plan, migrations)
        return executor

    def running(self) -> AbstractContextManager[None]:
        """Around the steps: as the run's settings and the dialect want them (see :mod:`.run`)."""
        return self.run_connection.running_steps(self.impl, self.locks)

    def execute(self, plan: MigrationPlan, migrations: Sequence[Migration]) -> None:
        """Run every step of ``plan``; ``migrations`` are its loaded files, in the same order."""
        completed: list[str] = []
        running: PlannedStep | None = None
        self._left_failed = False
        try:
            with (
                self.tracking.changing(self.conn) if self.records else nullcontext(),
                self.running(),
                self._run_transaction(migrations) as joined,
            ):
                for step, migration in zip(plan.steps, migrations, strict=True):
                    running = step
                    # A step of a single transaction cannot be tried again: the run's is lost.
                    attempt = partial(self.run, step, migration, joined=joined)
                    self.locks.run(step, attempt, retry=not joined)
                    running = None
                    if not joined:  # a single transaction keeps nothing of a failed run
                        completed.append(step.name)
        except MigrationError as error:
            error.completed = tuple(completed)
            raise
        except KeyboardInterrupt as interrupt:
            raise Interrupted(
                plan.direction,
                completed=tuple(completed),
                step=running.name if running is not None else None,
                left_failed=self._left_failed,
            ) from interrupt

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
                try:
                    with nullcontext() if joined else self._own_transaction(step):
                        restart = None if joined else partial(impl.begin, conn)
                        run_step(
                            conn,
                            impl.join_transaction_mode,
                            _method(migration, step),
                            impl=impl,
                            restart=restart,
                        )
                        impl.check_before_commit(conn)
                        if self.records:
                            self.tracking.record(conn, step, commit=not joined)
                except TransactionEndedInStep as ended:
                    if ended.committed and not joined and self.records:
                        self._record_ended(step, ended)
                    raise
            else:
                with self._not_started_if_locked(step), conn.begin():
                    self.tracking.start(conn, step)
                self._run_started(step, migration)
        except StepNotStarted:
            raise
        except HalfDone as half_done:
            raise MigrationFailed(
                step.name,
                step.direction,
                half_done.error,
                recorded_failed=True,
                because=half_done.because,
                unrecorded=half_done.unrecorded,
                location=failure_location(half_done.error, step),
                lock_wait=self.locks.explain(half_done.error),
            ) from half_done.error
        except (Exception, SystemExit) as error:  # sys.exit() in a step must not end us silently
            raise MigrationFailed(
                step.name,
                step.direction,
                error,
                recorded_failed=False,
                whole_run=joined,
                location=failure_location(error, step),
                needs_no_transaction=impl.refused_in_a_transaction(error),
                lock_wait=self.locks.explain(error),
            ) from error
        self.emit(Progress("done", step.name, step.direction, time.perf_counter() - started))

    @contextmanager
    def _own_transaction(self, step: PlannedStep) -> Iterator[None]:
        """The step's transaction: committed if the step succeeds, rolled back if not. The
        migration's ``session.rollback()`` may have begun it anew (see :mod:`.session`), so
        what ends is the connection's transaction of the moment, as its own context manager
        would end it (a failed commit rolled back, an inactive transaction closed)."""
        with self._not_started_if_locked(step):
            self.impl.begin(self.conn)
        try:
            yield
        except BaseException as error:
            _end_transaction(self.conn, error)
            raise
        _end_transaction(self.conn, None)

    @contextmanager
    def _not_started_if_locked(self, step: PlannedStep) -> Iterator[None]:
        """Before a step's first statement: another connection's lock means it never began."""
        try:
            yield
        except DBAPIError as error:
            timeout = self.locks.policy.timeout
            lock_wait = self.locks.explain(error)
            found = not_started(
                self.conn, self.impl, step.name, step.direction, timeout, error, lock_wait
            )
            if found is None:
                raise
            raise found from error

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
                    conn,
                    mode,
                    _method(migration, step),
                    in_transaction=migration.transactional,
                    impl=impl,
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
                self._left_failed = watch.committed
            except Exception as recording_error:
                if interrupted:
                    raise error from None
                # The step's own error is the one to report. The row stays 'running', which
                # the next run, under the lock, turns into 'failed'.
                raise HalfDone(
                    error, because if watch.committed else None, recording_error
                ) from error
            if interrupted:
                raise  # an interrupt stays an interrupt, its step now recorded
            if watch.committed:
                raise HalfDone(error, because) from error
            raise

    def _record_ended(self, step: PlannedStep, ended: TransactionEndedInStep) -> None:
        """A statement of the step ended its transaction: what came before it may have
        committed, so the step is recorded as failed rather than left pending."""
        because = "a statement of the step ended the transaction it ran in"
        try:
            with self.conn.begin():
                self.tracking.start(self.conn, step)
                self.tracking.fail(self.conn, step.name, step.direction)
        except Exception as recording_error:
            raise HalfDone(ended, because, recording_error) from ended
        raise HalfDone(ended, because) from ended

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


def _end_transaction(conn: Connection, error: BaseException | None) -> None:
    transaction = conn.get_transaction()
    if transaction is None:
        return
    transaction.__enter__()
    transaction.__exit__(type(error) if error else None, error, error and error.__traceback__)


def _method(migration: Migration, step: PlannedStep) -> Callable[[Any], None]:
    return migration.up if step.direction == "up" else migration.down
