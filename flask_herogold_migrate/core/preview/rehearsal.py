"""Rehearsing a run (``--pretend``): the statements a command would send, found by running it
and undoing it, where the database can undo it.

The manager plans exactly as for the real command, under the migration lock, and hands the
plan here instead of to the executor's own loop. Each step then runs through the executor
(:meth:`.Executor.run`, as a step of one transaction) with its statements captured
(:mod:`.capture`), and that one transaction is rolled back at the end:

- Where DDL is transactional (SQLite, PostgreSQL), the steps really run, so a data step reads
  real rows, and a step that would fail fails here, with the same error.
- Where it commits on its own (MySQL, MariaDB), nothing could be undone, so nothing is sent:
  each statement is recorded, and a read returns no rows. The same goes for a migration with
  ``transactional = False``, and for the steps after it, which would not see its changes.

The tracking table is read, never written: the rehearsal's stand-in for it records nothing,
and creates nothing on a database that has never been migrated.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy.engine import Connection

from ..dialects import DialectImpl
from ..errors import MigrationFailed, describe_error
from ..migration import Migration
from ..progress import Progress
from ..runtime.executor import Executor
from ..runtime.plan import MigrationPlan
from ..runtime.tracking import Step, TrackingTable
from ..states import Direction
from .capture import CapturedStatement, StatementCapture


class Rehearsable(Protocol):
    """What a rehearsal needs of a manager: its tracking table, and where to hand plans."""

    tracking: TrackingTable
    _rehearsal: Rehearser | None


Manager = TypeVar("Manager", bound=Rehearsable)


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

    @property
    def names(self) -> list[str]:
        return [migration.name for migration in self.migrations]

    @property
    def failed(self) -> RehearsedMigration | None:
        """The migration that failed, if one did."""
        last = self.migrations[-1] if self.migrations else None
        return last if last is not None and last.error is not None else None

    def to_json(self) -> dict[str, Any]:
        return {"migrations": [migration.to_json() for migration in self.migrations]}


def rehearse(manager: Manager, direction: Direction, run: Callable[[Manager], object]) -> Rehearsal:
    """Rehearse what ``run`` does with ``manager`` (``run_migrations``, ``rollback``, ...).

    ``run`` is given a copy of the manager whose plans are rehearsed instead of executed and
    whose tracking table is read only.
    """
    recorder = Rehearser(direction)
    stand_in = copy.copy(manager)
    stand_in.tracking = _ReadOnlyTracking(manager.tracking.name)
    stand_in._rehearsal = recorder
    run(stand_in)
    return recorder.result()


class Rehearser:
    """Receives the plan from the manager, under the lock, and rehearses it."""

    def __init__(self, direction: Direction) -> None:
        self.direction = direction
        self.database = ""
        self.nothing_executed_because: str | None = None
        self.migrations: list[RehearsedMigration] = []

    def result(self) -> Rehearsal:
        return Rehearsal(
            self.direction, self.database, tuple(self.migrations), self.nothing_executed_because
        )

    def execute(
        self,
        conn: Connection,
        impl: DialectImpl,
        tracking: TrackingTable,
        plan: MigrationPlan,
        migrations: Sequence[Migration],
    ) -> None:
        """Run ``plan``'s steps in one transaction, capturing their statements; roll it back."""
        self.database = impl.display_name
        if not impl.transactional_ddl:
            self.nothing_executed_because = (
                f"DDL on {impl.display_name} commits on its own, so a rehearsal could not be undone"
            )
        executor = Executor(conn, impl, tracking, _ignore_progress)
        after_unsent: str | None = None  # why the steps after an unsent one are not sent
        transaction = impl.begin(conn)
        try:
            for step, migration in zip(plan.steps, migrations, strict=True):
                unsent = self.nothing_executed_because or after_unsent
                if unsent is None and not migration.transactional:
                    unsent = (
                        "it has transactional = False: its statements commit on their own, "
                        "so a rehearsal could not undo them"
                    )
                    after_unsent = (
                        f"it runs after {step.name}, which was not executed, so it would not "
                        "see that one's changes"
                    )
                capture = StatementCapture(conn, send=unsent is None)
                error = None
                try:
                    with capture:
                        executor.run(step, migration, joined=True)
                except MigrationFailed as failed:
                    error = _describe_failure(failed, executed=unsent is None)
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
                    )
                )
                if error is not None:
                    break  # the real run stops at its first failure
        finally:
            if transaction.is_active:
                transaction.rollback()


def _describe_failure(failed: MigrationFailed, *, executed: bool) -> str:
    where = f" It failed at {failed.location.describe()}." if failed.location else ""
    why = (
        ""
        if executed
        else " (Nothing was executed, so every read returned no rows: that may be why.)"
    )
    return f"{describe_error(failed.error)}.{where}{why}"


def _ignore_progress(progress: Progress) -> None:
    """A rehearsal's steps start and end, but nothing is migrated: nothing to report."""


class _ReadOnlyTracking(TrackingTable):
    """The tracking table as a rehearsal uses it: read as usual, never created or written."""

    def ensure(self, conn: Connection) -> None:
        pass

    @contextmanager
    def changing(self, conn: Connection, *, refresh: bool = False) -> Iterator[None]:
        yield

    def record(self, conn: Connection, step: Step, *, commit: bool = False) -> None:
        pass

    def start(self, conn: Connection, step: Step) -> None:
        pass

    def finish(self, conn: Connection, step: Step) -> None:
        pass

    def undo_start(self, conn: Connection, step: Step) -> None:
        pass

    def fail(self, conn: Connection, name: str, direction: Direction) -> None:
        pass


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
