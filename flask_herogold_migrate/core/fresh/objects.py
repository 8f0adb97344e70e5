"""What ``migrate:fresh`` drops: every object of the migrated database or schema, reflected.

Only the database the run's connection is in (MariaDB, SQLite) or the one schema it migrates
(PostgreSQL: the tenant's schema, else the current schema) is read and changed; a table of
another schema is never dropped, even one that a table dropped here references. The DDL is
SQLAlchemy's: on PostgreSQL the reflected tables go through ``MetaData.drop_all``, which
orders them by their foreign keys; elsewhere foreign keys are off and each table gets its
``DropTable``; sequences and enum types get their own constructs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import MetaData, Sequence, Table, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import DDL, DropSequence, DropTable

from ..dialects import DialectImpl
from ..dialects.base import driver_connection


@dataclass(frozen=True)
class DatabaseObjects:
    """The objects of one database or schema, by kind, each in name order."""

    #: The PostgreSQL schema they belong to; None for the connection's database.
    schema: str | None
    tables: tuple[str, ...] = ()
    views: tuple[str, ...] = ()
    materialized_views: tuple[str, ...] = ()
    sequences: tuple[str, ...] = ()
    #: PostgreSQL enum types.
    enums: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        return sum(len(names) for names in self.by_kind().values())

    def by_kind(self) -> dict[str, tuple[str, ...]]:
        return {
            "tables": self.tables,
            "views": self.views,
            "materialized_views": self.materialized_views,
            "sequences": self.sequences,
            "enums": self.enums,
        }

    def to_json(self) -> dict[str, Any]:
        return {"schema": self.schema, **{k: list(v) for k, v in self.by_kind().items()}}


def migrated_schema(conn: Connection, schema: str | None) -> str | None:
    """The schema a run works in: the tenant's, else PostgreSQL's current one.

    Given explicitly to reflection, because SQLAlchemy remembers the default schema of the
    engine's first connection, which a tenant's ``search_path`` does not change.
    """
    if schema is not None or conn.dialect.name != "postgresql":
        return schema
    current = conn.exec_driver_sql("SELECT current_schema()").scalar()
    return None if current is None else str(current)


def reflect_objects(conn: Connection, schema: str | None) -> DatabaseObjects:
    """Every table, view, sequence and (PostgreSQL) enum type in the migrated database."""
    inspector = inspect(conn)
    postgresql = conn.dialect.name == "postgresql"
    materialized: list[str] = []
    sequences: list[str] = []
    enums: list[str] = []
    if postgresql:
        materialized = inspector.get_materialized_view_names(schema=schema)
        # A PostgreSQL inspector: get_enums() is its own.
        own: Any = inspector
        enums = [enum["name"] for enum in own.get_enums(schema=schema)]
    if conn.dialect.supports_sequences:
        sequences = inspector.get_sequence_names(schema=schema)
    return DatabaseObjects(
        schema,
        tables=tuple(sorted(inspector.get_table_names(schema=schema))),
        views=tuple(sorted(inspector.get_view_names(schema=schema))),
        materialized_views=tuple(sorted(materialized)),
        sequences=tuple(sorted(sequences)),
        enums=tuple(sorted(enums)),
    )


def drop_objects(conn: Connection, impl: DialectImpl, tenant: str | None) -> DatabaseObjects:
    """Drop every object of the migrated database or schema; return what was dropped.

    Reflected again here, under the migration lock, so what another process created since
    the plan was shown goes too. Foreign keys are off for the drop where the database lets a
    session turn them off (SQLite, MariaDB); PostgreSQL drops the tables in dependency order.
    Where DDL is transactional (PostgreSQL, SQLite), a drop that fails drops nothing.
    """
    with _foreign_keys_off(conn), impl.begin(conn):
        schema = migrated_schema(conn, tenant)
        found = reflect_objects(conn, schema)
        _drop_views(conn, found, schema)
        _drop_tables(conn, found.tables, schema)
        for name in found.sequences:
            # A sequence owned by a column went with its table.
            conn.execute(DropSequence(Sequence(name, schema=schema), if_exists=True))
        if found.enums:
            from sqlalchemy.dialects.postgresql import ENUM

            for name in found.enums:
                # checkfirst: drop_all already dropped the types its tables' columns use.
                ENUM(name=name, schema=schema).drop(conn, checkfirst=True)
    return found


def _drop_tables(conn: Connection, names: tuple[str, ...], schema: str | None) -> None:
    if conn.dialect.name != "postgresql":
        # Foreign keys are off: any order goes, even tables that reference each other.
        for name in names:
            conn.execute(DropTable(Table(name, MetaData(), schema=schema)))
        return
    # Reflected with their foreign keys, so drop_all orders them, and drops first the
    # constraints of tables that reference each other. Only this schema's: a table of another
    # schema that one of them references is reflected too, and stays.
    metadata = MetaData()
    metadata.reflect(conn, schema=schema, only=list(names), views=False)
    own = [table for table in metadata.tables.values() if table.schema == schema]
    metadata.drop_all(conn, tables=own, checkfirst=False)


def _drop_views(conn: Connection, found: DatabaseObjects, schema: str | None) -> None:
    views = [(name, True) for name in found.materialized_views]
    views += [(name, False) for name in found.views]
    if conn.dialect.name != "postgresql":
        # SQLite and MariaDB drop a view that another one uses; the other one fails only
        # when read, and goes too.
        for name, materialized in views:
            conn.execute(_drop_view(conn, name, schema, materialized=materialized))
        return
    # PostgreSQL refuses to drop a view another one uses, and reflection does not say which
    # uses which: each is tried in a savepoint, and those refused are tried again once the
    # others are gone, until a round drops none.
    while views:
        refused: list[tuple[str, bool]] = []
        error: DBAPIError | None = None
        for name, materialized in views:
            try:
                with conn.begin_nested():
                    conn.execute(_drop_view(conn, name, schema, materialized=materialized))
            except DBAPIError as refusal:
                refused.append((name, materialized))
                error = refusal
        if error is not None and len(refused) == len(views):
            raise error
        views = refused


def _drop_view(
    conn: Connection, name: str, schema: str | None, *, materialized: bool = False
) -> Any:
    table = Table(name, MetaData(), schema=schema)
    try:
        from sqlalchemy.sql.ddl import DropView  # type: ignore[attr-defined,unused-ignore]
    except ImportError:  # SQLAlchemy 2.0: no construct for views yet
        kind = "MATERIALIZED VIEW" if materialized else "VIEW"
        quoted = conn.dialect.identifier_preparer.format_table(table)
        return DDL(f"DROP {kind} {quoted}")  # type: ignore[no-untyped-call]
    return DropView(table, materialized=materialized)


@contextmanager
def _foreign_keys_off(conn: Connection) -> Iterator[None]:
    if conn.dialect.name == "sqlite":
        # Outside any transaction, where the pragma takes effect (the lock left the driver
        # in autocommit).
        driver = driver_connection(conn)
        was_on = bool(driver.execute("PRAGMA foreign_keys").fetchone()[0])
        driver.execute("PRAGMA foreign_keys = OFF")
        try:
            yield
        finally:
            if was_on and not (conn.closed or conn.invalidated):
                driver.execute("PRAGMA foreign_keys = ON")
        return
    if conn.dialect.name in ("mysql", "mariadb"):
        with conn.begin():
            checks = conn.exec_driver_sql("SELECT @@SESSION.foreign_key_checks").scalar()
            previous = int(checks or 0)
            conn.exec_driver_sql("SET SESSION foreign_key_checks = 0")
        try:
            yield
        finally:
            if not (conn.closed or conn.invalidated):
                with conn.begin():
                    conn.exec_driver_sql(f"SET SESSION foreign_key_checks = {previous}")
        return
    yield
