"""The tracking table: one row per applied (or failed) migration, with its batch.

Reads use lightweight ``table()`` constructs and a single query, because the startup check
runs them in every worker. The full ``Table`` is only built when the table has to be created
or upgraded, under the migration lock, and carries MySQL options only on MySQL and MariaDB:
naming them imports that dialect, 9 ms that SQLite and PostgreSQL have no use for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    column,
    delete,
    insert,
    inspect,
    literal,
    null,
    select,
    table,
    text,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import CreateColumn

from .errors import ConfigurationError, TrackingTableError

APPLIED = "applied"
#: A step in progress on a database without transactional DDL (written before it starts), or
#: one whose process died: found while holding the lock, it is treated as failed.
RUNNING = "running"
FAILED = "failed"
#: The same for ``down()``. Repairing a failed ``up()`` forgets the migration; repairing a
#: failed ``down()`` records it as applied again: either way, as it was before the step.
RUNNING_DOWN = "running_down"
FAILED_DOWN = "failed_down"
#: The step each stuck state belongs to, and the state it is shown as.
_STUCK = {
    RUNNING: ("up", RUNNING),
    FAILED: ("up", FAILED),
    RUNNING_DOWN: ("down", RUNNING),
    FAILED_DOWN: ("down", FAILED),
}


def running_state(direction: str) -> str:
    return RUNNING if direction == "up" else RUNNING_DOWN


def failed_state(direction: str) -> str:
    return FAILED if direction == "up" else FAILED_DOWN


# Columns that identify the table as ours, present since the first version. Every other
# column may be missing in a table made by an older version and is then added, never rebuilt.
_IDENTITY_COLUMNS = ("name", "batch", "applied_at")
_DEFAULTS = {"checksum": None, "state": APPLIED}


@dataclass(frozen=True)
class Record:
    """One row of the tracking table."""

    name: str
    batch: int
    applied_at: datetime
    checksum: str | None
    state: str

    @property
    def direction(self) -> str | None:
        """The step a failed or running record is stuck in: ``up``, ``down``, or None."""
        return _STUCK[self.state][0] if self.state in _STUCK else None

    @property
    def shown_state(self) -> str:
        """``applied``, ``running`` or ``failed``, whichever step it is stuck in."""
        return _STUCK[self.state][1] if self.state in _STUCK else self.state

    @property
    def running(self) -> bool:
        return self.state in (RUNNING, RUNNING_DOWN)


class TrackingTable:
    """Reads and writes the tracking table called ``name`` on a given connection.

    Every method runs in its own transaction; callers hold none open when they call it.
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
        # Built once: the runner writes a row per migration, and a statement whose parameters
        # come separately is compiled once and then found in SQLAlchemy's cache.
        self._insert = insert(self._light)
        self._delete = delete(self._light).where(self._light.c.name == bindparam("row_name"))

    def read(self, conn: Connection) -> list[Record]:
        """Every row, unordered; an empty list when the table does not exist yet."""
        try:
            with conn.begin():
                rows = conn.execute(select(self._light)).all()
        except DBAPIError:
            # Slow path, taken only when the one query failed: say why.
            rows = self._read_what_exists(conn)
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

    def ensure(self, conn: Connection) -> None:
        """Create the table, or add the columns a table from an older version lacks."""
        if self._complete(conn):
            return
        full = self._full_table(conn.dialect.name)
        with conn.begin():
            existing = self._columns(conn)
            if existing is None:
                if "." in self.name:
                    # It would be one quoted name: a table literally called "public.x". One
                    # that already exists (made by an older version) is still used.
                    raise ConfigurationError(
                        f"The tracking table name {self.name!r} names a schema: give the "
                        "table's name alone. The table is made in the connection's default "
                        "schema (on PostgreSQL the first of search_path; on MySQL and MariaDB "
                        "the URL's database)."
                    )
                full.create(conn)
                return
            for col in full.columns:
                if col.name not in existing:
                    ddl = CreateColumn(col).compile(dialect=conn.dialect)
                    preparer = conn.dialect.identifier_preparer
                    conn.exec_driver_sql(
                        f"ALTER TABLE {preparer.format_table(full)} ADD COLUMN {ddl}"
                    )

    def add(self, conn: Connection, name: str, batch: int, checksum: str, state: str) -> None:
        row = {"name": name, "batch": batch, "applied_at": _now(), "checksum": checksum}
        conn.execute(self._insert, {**row, "state": state})

    def set_state(self, conn: Connection, name: str, state: str, *, now: bool = False) -> None:
        """Change a row's state; ``now`` also stamps ``applied_at`` (a step just finished)."""
        values: dict[str, object] = {"state": state}
        if now:
            values["applied_at"] = _now()
        self._update_row(conn, name, values)

    def set_checksum(self, conn: Connection, name: str, checksum: str) -> None:
        self._update_row(conn, name, {"checksum": checksum})

    def remove(self, conn: Connection, name: str) -> None:
        conn.execute(self._delete, {"row_name": name})

    def _update_row(self, conn: Connection, name: str, values: dict[str, object]) -> None:
        statement = update(self._light).where(self._light.c.name == bindparam("row_name"))
        conn.execute(statement.values(**values), {"row_name": name})

    def _read_what_exists(self, conn: Connection) -> list[Any]:
        with conn.begin():
            existing = self._columns(conn)
            if existing is None:
                return []
            present: list[Any] = [self._light.c[name] for name in _IDENTITY_COLUMNS]
            present += [
                self._light.c[name].label(name) if name in existing else _literal(name)
                for name in _DEFAULTS
            ]
            return list(conn.execute(select(*present)).all())

    def _complete(self, conn: Connection) -> bool:
        """Whether the table exists with every column, found with one query and no reflection.

        That is the case on every run but the first; reflecting the table and building the
        full ``Table`` cost 10-20 ms each run.
        """
        preparer = conn.dialect.identifier_preparer
        names = ", ".join(preparer.quote(c) for c in (*_IDENTITY_COLUMNS, *_DEFAULTS))
        try:
            with conn.begin():
                conn.exec_driver_sql(f"SELECT {names} FROM {preparer.quote(self.name)} WHERE 1 = 0")
        except DBAPIError:
            return False
        return True

    def _columns(self, conn: Connection) -> set[str] | None:
        """Column names of the existing table, None if it does not exist; refuse a stranger's."""
        if (
            conn.dialect.name in ("mysql", "mariadb")
            and conn.scalar(text("SELECT DATABASE()")) is None
        ):
            # Only on this slow path: SQLAlchemy's inspector would fail on an assertion.
            raise ConfigurationError(
                "The connection has no database selected: name it in the URL, after the host, "
                "as in mysql+pymysql://user@host/mydb."
            )
        inspector = inspect(conn)
        if not inspector.has_table(self.name):
            return None
        names = {c["name"].lower() for c in inspector.get_columns(self.name)}
        if not set(_IDENTITY_COLUMNS) <= names:
            raise TrackingTableError(
                f"A table named {self.name!r} exists, but flask-herogold-migrate did not create "
                f"it (its columns: {', '.join(sorted(names))}). It was left untouched. Choose "
                "another tracking table name with HEROGOLD_MIGRATE_TABLE or --table."
            )
        return names

    def _full_table(self, dialect_name: str) -> Table:
        # Binary collation: names differing only in case or trailing spaces stay distinct.
        mysql_options: dict[str, Any] = (
            {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin", "mysql_engine": "InnoDB"}
            if dialect_name in ("mysql", "mariadb")
            else {}
        )
        return Table(
            self.name,
            MetaData(),
            Column("name", String(255), primary_key=True),
            Column("batch", Integer, nullable=False),
            Column("applied_at", DateTime, nullable=False),
            Column("checksum", String(64), nullable=True),
            Column("state", String(16), nullable=False, server_default=APPLIED),
            **mysql_options,
        )


def _literal(name: str) -> Any:
    value = _DEFAULTS[name]
    return (literal(value) if value is not None else null()).label(name)


def _now() -> datetime:
    # Naive UTC, to the second: DATETIME on MySQL keeps no zone and no fraction by default.
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
