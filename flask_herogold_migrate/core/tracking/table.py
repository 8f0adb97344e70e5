"""The tracking table: one row per applied (or failed) migration, with its batch.

This module is the only writer of the table: a run changes a row through the named
transitions of :class:`TrackingTable` (``record``, ``start``, ``finish``, ``undo_start``,
``fail``) and repair through its own (``forget``, ``restore``, ``rename``, ``realign``), so what a
row can go through is read in one place. Reads use lightweight ``table()`` constructs and a
single query, because the startup check runs them in every worker; creating and upgrading the
table is :mod:`.schema`'s.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    bindparam,
    column,
    delete,
    insert,
    select,
    table,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from ..errors import FailedMigrationRecorded
from ..files.naming import sort_key
from ..states import APPLIED, Direction, Record, failed_state, running_state
from .digest import DigestTable
from .schema import COLUMNS, create_or_upgrade, is_complete, read_what_exists

if TYPE_CHECKING:
    from ..files.discovery import MigrationFile


class Step(Protocol):
    """What the table needs to know of a step to record it (see :class:`.plan.PlannedStep`)."""

    @property
    def name(self) -> str: ...
    @property
    def direction(self) -> Direction: ...
    @property
    def batch(self) -> int: ...
    @property
    def file(self) -> MigrationFile: ...


class TrackingTable:
    """Reads and writes the tracking table called ``name`` on a given connection.

    Reads, and :meth:`ensure`, run in a transaction of their own; writes run in the caller's,
    which decides what they commit with.
    """

    def __init__(self, name: str = "migrations") -> None:
        self.name = name
        self._light = table(
            name,
            column("name", String),
            column("batch", Integer),
            column("applied_at", DateTime),
            column("checksum", String),
            column("state", String),
        )
        # Built once: a run writes a row per migration, and a statement whose parameters come
        # separately is compiled once and then found in SQLAlchemy's cache.
        self._insert = insert(self._light)
        self._delete = delete(self._light).where(self._light.c.name == bindparam("row_name"))
        self.digest = DigestTable(name)
        # Inside changing(): the digest is cleared for the whole change, and stored after it.
        self._changing = False

    def read(self, conn: Connection) -> list[Record]:
        """Every row, unordered; an empty list when the table does not exist yet."""
        try:
            with conn.begin():
                rows = conn.execute(select(self._light)).all()
        except DBAPIError:
            # Slow path, taken only when the one query failed: say why.
            rows = read_what_exists(conn, self._light)
        return [
            Record(r.name, r.batch, _as_utc(r.applied_at), r.checksum, r.state or APPLIED)
            for r in rows
        ]

    def read_states(self, conn: Connection) -> dict[str, str]:
        """Name to state of every row: the one lean query of the startup check."""
        # Plain SQL: every worker builds a new engine at startup, and a new engine has an
        # empty statement cache, so a Core select would be compiled anew each time.
        quoted = conn.dialect.identifier_preparer.quote(self.name)
        try:
            with conn.begin():
                rows = conn.exec_driver_sql(f"SELECT name, state FROM {quoted}").all()
        except DBAPIError:
            return {r.name: r.state for r in self.read(conn)}
        return {name: state or APPLIED for name, state in rows}

    def read_for_change(self, conn: Connection) -> list[Record]:
        """Every row, read under the migration lock by a run about to change something.

        A stuck row refuses the run. One still ``running`` belongs to a process that died
        mid-step, since this one holds the lock: it becomes ``failed`` first.
        """
        records = self.read(conn)
        stuck = sorted((r for r in records if r.stuck), key=lambda r: sort_key(r.name))
        if not stuck:
            return records
        with conn.begin():
            for record in stuck:
                if record.running and record.direction:
                    self.fail(conn, record.name, record.direction)
        raise FailedMigrationRecorded.for_steps([(r.name, r.direction or "up") for r in stuck])

    def ensure(self, conn: Connection) -> None:
        """Create the table, or add the columns a table from an older version lacks."""
        preparer = conn.dialect.identifier_preparer
        columns = ", ".join(map(preparer.quote, COLUMNS))
        if self.digest.is_ready(conn, columns):  # both complete: every run but the first
            return
        if not is_complete(conn, self.name):
            create_or_upgrade(conn, self.name)
        self.digest.ensure(conn)

    def is_settled(self, conn: Connection, directory_digest: str) -> bool:
        """The startup check's fast answer, in one query reading one row: every migration-like
        file on disk is applied, and nothing else is recorded (see :mod:`.digest`)."""
        return self.digest.read(conn) == directory_digest

    @contextmanager
    def changing(self, conn: Connection, *, refresh: bool = False) -> Iterator[None]:
        """Around every change of the rows, under the lock (the digest table ensured): the
        first write clears the digest in its own transaction, and once the change is over
        the digest is computed again from the rows, if a clear committed (or ``refresh``).
        Within a longer change (runs under one hold of the lock, :mod:`..runtime.locked_runs`)
        the outer one computes it, once."""
        if self._changing:
            self.digest.cleared = self.digest.cleared or refresh
            yield
            return
        self._changing = True
        try:
            with self.digest.changing(conn, refresh=refresh):
                yield
        finally:
            self._changing = False
            if self.digest.cleared:
                # Left cleared if this fails too: the checks read the tracking table instead.
                with suppress(SQLAlchemyError):
                    self.digest.store(conn)

    # -- A step's transitions -------------------------------------------------------------

    def record(self, conn: Connection, step: Step, *, commit: bool = False) -> None:
        """The step ran in the transaction of this write: it is applied (up), or gone (down).

        ``commit``: the caller commits right after. With psycopg the write and the COMMIT then
        go in one round trip (a simple query of two statements; the driver's own commit finds
        the transaction over and sends nothing). Either both happen or neither.
        """
        if commit and conn.dialect.driver == "psycopg" and _plain(step.name):
            self._clear_digest(conn)
            quote = conn.dialect.identifier_preparer.quote
            if step.direction == "up":
                values = (step.name, step.batch, _now(), step.file.checksum(), APPLIED)
                sql = (
                    f"INSERT INTO {quote(self.name)} (name, batch, applied_at, checksum, state) "
                    f"VALUES ({', '.join(map(_literal, values))})"
                )
            else:
                sql = f"DELETE FROM {quote(self.name)} WHERE name = {_literal(step.name)}"
            conn.exec_driver_sql(f"{sql}; COMMIT")
        elif step.direction == "up":
            self._add(conn, step, APPLIED)
        else:
            self._remove(conn, step.name)

    def start(self, conn: Connection, step: Step) -> None:
        """Before a step whose statements may commit on their own: the row says it runs."""
        if step.direction == "up":
            self._add(conn, step, running_state("up"))
        else:
            self._set_state(conn, step.name, running_state("down"))

    def finish(self, conn: Connection, step: Step) -> None:
        """A started step succeeded: applied, stamped now (up), or gone (down)."""
        if step.direction == "up":
            self._set_state(conn, step.name, APPLIED, now=True)
        else:
            self._remove(conn, step.name)

    def undo_start(self, conn: Connection, step: Step) -> None:
        """A started step failed before anything committed: the row is as before the step."""
        if step.direction == "up":
            self._remove(conn, step.name)
        else:
            self._set_state(conn, step.name, APPLIED)

    def fail(self, conn: Connection, name: str, direction: Direction) -> None:
        """A step failed after part of it committed, or its process died: it is failed."""
        self._set_state(conn, name, failed_state(direction))

    # -- Repair ----------------------------------------------------------------------------

    def forget(self, conn: Connection, name: str) -> None:
        """Remove a row: a failed ``up()`` put back by hand, or an applied file that is gone."""
        self._remove(conn, name)

    def restore(self, conn: Connection, name: str) -> None:
        """A failed ``down()`` put back by hand: applied again."""
        self._set_state(conn, name, APPLIED)

    def rename(self, conn: Connection, old: str, new: str) -> None:
        """An applied migration's file renamed without changing its content: follow it."""
        self._update_row(conn, old, {"name": new})

    def realign(self, conn: Connection, name: str, checksum: str) -> None:
        """Store the checksum of a file edited since it was applied."""
        self._update_row(conn, name, {"checksum": checksum})

    def fold(self, conn: Connection, step: Step, replaced: Sequence[str]) -> None:
        """A squashed migration takes the place of the applied ones it replaces: applied,
        without running, and their rows gone."""
        for name in replaced:
            self._remove(conn, name)
        self._add(conn, step, APPLIED)

    # -- Rows ------------------------------------------------------------------------------

    def _clear_digest(self, conn: Connection) -> None:
        if self._changing:
            self.digest.clear_once(conn)
        else:
            # A write outside changing(): the digest goes with it, in its transaction, under a
            # savepoint in case an older table has no digest beside it.
            try:
                with conn.begin_nested():
                    self.digest.clear(conn)
            except DBAPIError:
                pass

    def _add(self, conn: Connection, step: Step, state: str) -> None:
        self._clear_digest(conn)
        row = {"name": step.name, "batch": step.batch, "applied_at": _now()}
        conn.execute(self._insert, {**row, "checksum": step.file.checksum(), "state": state})

    def _set_state(self, conn: Connection, name: str, state: str, *, now: bool = False) -> None:
        values: dict[str, object] = {"state": state}
        if now:
            values["applied_at"] = _now()
        self._update_row(conn, name, values)

    def _remove(self, conn: Connection, name: str) -> None:
        self._clear_digest(conn)
        conn.execute(self._delete, {"row_name": name})

    def _update_row(self, conn: Connection, name: str, values: dict[str, object]) -> None:
        self._clear_digest(conn)
        statement = update(self._light).where(self._light.c.name == bindparam("row_name"))
        conn.execute(statement.values(**values), {"row_name": name})


def _now() -> datetime:
    # Naive UTC, to the second: DATETIME on MySQL keeps no zone and no fraction by default.
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def _plain(name: str) -> bool:
    """Letters, digits and underscores only: safe as a literal whatever the server's settings."""
    return name.isascii() and name.replace("_", "").isalnum()


def _literal(value: object) -> str:
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return f"'{value.isoformat(sep=' ')}'"
    assert isinstance(value, str) and _plain(value.replace("-", "")), value
    return f"'{value}'"


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
