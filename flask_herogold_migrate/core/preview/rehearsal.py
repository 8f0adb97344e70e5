"""Rehearsing a run (``--pretend``): the statements a command would send, found by running it
and undoing it, where the database can undo it.

The manager plans exactly as for the real command, under the migration lock, on a connection
set up as for the real command (statement lock timeout, SQLite's foreign keys off), and hands
the plan to a :class:`Rehearser` instead of the :class:`.Executor`. Each step then runs as
the executor runs a step of one transaction (:meth:`.Executor.run`), with its statements
captured (:mod:`.capture`), and that one transaction is rolled back at the end:

- Where DDL is transactional (SQLite, PostgreSQL), the steps really run, so a data step reads
  real rows, and a step that would fail fails here, with the same error.
- Where it commits on its own (MySQL, MariaDB), nothing could be undone, so nothing is sent:
  each statement is recorded, and a read returns no rows. The same goes for a migration with
  ``transactional = False``, and for the steps after it, which would not see its changes.

The tracking table is read, never written, nor created on a database never migrated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from ..dialects import DialectImpl
from ..errors import MigrationError, MigrationFailed, TransactionEndedInStep, describe_error
from ..migration import Migration
from ..progress import Progress
from ..runtime.executor import Executor
from ..runtime.plan import MigrationPlan
from ..runtime.run import RunConnection
from ..states import Direction
from .capture import CapturedStatement, StatementCapture
from .sequences import AdvancedSequence, SequenceValues


@dataclass(frozen=True)
class RehearsedMigration:
    """One migration of a rehearsal, with the statements it sent (or would have sent)."""

    name: str
    direction: Direction
    path: Path
    #: Whether its statements ran (and were rolled back), or were only recorded.
    executed: bool
    statements: tuple[CapturedStatement, ...]
    #: Whether a real run sends its statements inside a transaction.
    in_transaction: bool
    #: How the step failed, as the real run would meet it; None if it did not.
    error: str | None = None
    #: Why its statements were recorded without being sent, when ``executed`` is False.
    not_executed_because: str | None = None
    #: Whether its statements ended the rehearsal's transaction, so what it did may have
    #: been committed, out of the rollback's reach.
    may_have_committed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "direction": self.direction,
            "executed": self.executed,
            "statements": [{"sql": s.sql, "params": jsonable(s.params)} for s in self.statements],
            "error": self.error,
        }


@dataclass(frozen=True)
class Rehearsal:
    """What a command would do, migration by migration, in run order; nothing was changed.

    A rehearsal stops at the first migration that fails, as the command would: that one is
    the last listed, with its ``error``.
    """

    direction: Direction
    #: How messages name the database.
    database: str
    migrations: tuple[RehearsedMigration, ...]
    #: Set when the database can undo nothing, so nothing was sent at all: why.
    nothing_executed_because: str | None = None
    #: PostgreSQL sequences the rehearsal moved on (a rollback does not set them back).
    sequences_advanced: tuple[AdvancedSequence, ...] = ()

    @property
    def names(self) -> list[str]:
        return [migration.name for migration in self.migrations]

    @property
    def failed(self) -> RehearsedMigration | None:
        """The migration that failed, if one did."""
        last = self.migrations[-1] if self.migrations else None
        return last if last is not None and last.error is not None else None

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"migrations": [m.to_json() for m in self.migrations]}
        if self.sequences_advanced:
            found["sequences_advanced"] = [
                {"name": s.name, "before": s.before, "after": s.after}
                for s in self.sequences_advanced
            ]
        return found


class Rehearser(Executor):
    """The second way to execute a plan: rehearse it, as Django's ``collect_sql`` does.

    The manager plans as for the real run, under the lock, on a connection set up as for the
    real run (:mod:`..runtime.run`), and hands the plan here instead of to :class:`Executor`.
    The steps run as in a single transaction, their rows left unwritten, and that
    transaction is rolled back; :attr:`result` is what was found.
    """

    records = False

    def __init__(self, run: RunConnection, impl: DialectImpl) -> None:
        super().__init__(run, impl)
        self.emit = _ignore_progress
        self.locks.emit = _ignore_progress
        self.nothing_executed_because: str | None = None
        if not impl.transactional_ddl:
            self.nothing_executed_because = (
                f"DDL on {impl.display_name} commits on its own, so a rehearsal could not be undone"
            )
        self.migrations: list[RehearsedMigration] = []
        self.sequences_advanced: tuple[AdvancedSequence, ...] = ()

    def result(self, direction: Direction) -> Rehearsal:
        return Rehearsal(
            direction,
            self.impl.display_name,
            tuple(self.migrations),
            self.nothing_executed_because,
            self.sequences_advanced,
        )

    def execute(self, plan: MigrationPlan, migrations: Sequence[Migration]) -> None:
        """Run ``plan``'s steps in one transaction, capturing their statements; roll it back."""
        conn, impl = self.conn, self.impl
        after_unsent: str | None = None  # why the steps after an unsent one are not sent
        with self.running():
            transaction = impl.begin(conn)
            sequences = SequenceValues.read(conn, impl)
            try:
                for step, migration in zip(plan.steps, migrations, strict=True):
                    unsent = self.nothing_executed_because or after_unsent
                    if unsent is None and not migration.transactional:
                        unsent = (
                            "it has transactional = False: its statements commit on their own, "
                            "so a rehearsal could not undo them"
                        )
                        after_unsent = (
                            f"it runs after {step.name}, which was not executed, so it would "
                            "not see that one's changes"
                        )
                    capture = StatementCapture(conn, send=unsent is None)
                    error, committed = None, False
                    try:
                        with capture:
                            attempt = partial(self.run, step, migration, joined=True)
                            self.locks.run(step, attempt, retry=False)
                    except MigrationFailed as failed:
                        error = _describe_failure(failed, executed=unsent is None)
                        ended = failed.error
                        committed = isinstance(ended, TransactionEndedInStep) and ended.committed
                    self.migrations.append(
                        RehearsedMigration(
                            step.name,
                            step.direction,
                            step.file.path,
                            executed=unsent is None,
                            statements=tuple(capture.statements),
                            in_transaction=impl.transactional_ddl and migration.transactional,
                            error=error,
                            not_executed_because=unsent,
                            may_have_committed=committed,
                        )
                    )
                    if error is not None:
                        break  # the real run stops at its first failure
            finally:
                if transaction.is_active:
                    transaction.rollback()
                if sequences is not None:
                    self.sequences_advanced = sequences.advanced(conn)


def rehearsal_of(direction: Direction, done: tuple[MigrationPlan, Rehearser] | None) -> Rehearsal:
    """What the manager's rehearsal found; nothing when there was nothing to do."""
    if done is None:
        return Rehearsal(direction, "", ())
    return done[1].result(direction)


def _describe_failure(failed: MigrationFailed, *, executed: bool) -> str:
    where = f" It failed at {failed.location.describe()}." if failed.location else ""
    # Empty reads can explain a failure of the migration's own code, never one of our
    # refusals (a session.rollback() MariaDB cannot honour, a statement ending the transaction).
    why = (
        ""
        if executed or isinstance(failed.error, MigrationError)
        else " (Nothing was executed, so every read returned no rows: that may be why.)"
    )
    lock = f" {failed.lock_wait.describe()}" if failed.lock_wait is not None else ""
    return f"{describe_error(failed.error)}.{where}{lock}{why}"


def _ignore_progress(progress: Progress) -> None:
    """A rehearsal's steps start and end, but nothing is migrated: nothing to report."""


def jsonable(value: Any) -> Any:
    """``value`` as JSON can hold it: containers kept, other values as their text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if isinstance(value, (bytes, bytearray, memoryview)):
        return repr(bytes(value))
    return str(value)  # dates, decimals, UUIDs: their usual text
