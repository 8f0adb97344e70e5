"""What a database already holds, read before adopting it: its tables as SQLAlchemy sees them,
what a baseline of schema operations cannot express, and Alembic's version table."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import MetaData, UniqueConstraint, inspect, text
from sqlalchemy.engine import Connection

from ..errors import MigrationError

#: The table in which Alembic (and so Flask-Migrate) records the revision a database is at.
ALEMBIC_VERSION_TABLE = "alembic_version"


class AdoptionRefused(MigrationError):
    """``migrate:adopt`` or ``migrate:squash`` cannot go on; nothing was written or recorded."""


@dataclass(frozen=True)
class LiveSchema:
    """The database's own objects, the tracking tables of both tools left out."""

    metadata: MetaData
    #: What schema operations cannot create, each ``"view reports"``, ``"trigger audit"``...
    not_expressible: tuple[str, ...]

    @property
    def tables(self) -> list[str]:
        return sorted(self.metadata.tables)


def read_live_schema(conn: Connection, *, exclude: Collection[str]) -> LiveSchema:
    """Reflect every table of the connection's database (its current schema on PostgreSQL)."""
    inspector = inspect(conn)
    tables = [name for name in inspector.get_table_names() if name not in exclude]
    metadata = MetaData()
    if tables:
        metadata.reflect(conn, only=tables)
        if conn.dialect.name == "sqlite":
            _complete_sqlite_reflection(conn, metadata)
    extras = [f"view {name}" for name in sorted(inspector.get_view_names())]
    extras += [f"{kind} {name}" for kind, name in _routines_and_triggers(conn)]
    extras += [f"sequence {name}" for name in _standalone_sequences(conn)]
    return LiveSchema(metadata, tuple(extras))


def alembic_heads(conn: Connection) -> list[str] | None:
    """The revisions ``alembic_version`` holds (None when there is no such table)."""
    if not inspect(conn).has_table(ALEMBIC_VERSION_TABLE):
        return None
    rows = conn.execute(text(f"SELECT version_num FROM {ALEMBIC_VERSION_TABLE}")).scalars()
    return sorted(str(row) for row in rows)


def _routines_and_triggers(conn: Connection) -> list[tuple[str, str]]:
    dialect = conn.dialect.name
    if dialect == "postgresql":
        # Functions of the current schema that no extension installed, and user triggers.
        query = (
            "SELECT 'function', p.proname FROM pg_catalog.pg_proc p "
            "WHERE p.pronamespace = current_schema()::regnamespace AND NOT EXISTS ("
            "SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') "
            "UNION ALL SELECT 'trigger', t.tgname FROM pg_catalog.pg_trigger t "
            "JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace"
        )
    elif dialect in ("mysql", "mariadb"):
        query = (
            "SELECT LOWER(ROUTINE_TYPE), ROUTINE_NAME FROM information_schema.ROUTINES "
            "WHERE ROUTINE_SCHEMA = DATABASE() UNION ALL SELECT 'trigger', TRIGGER_NAME "
            "FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()"
        )
    elif dialect == "sqlite":
        query = "SELECT 'trigger', name FROM sqlite_master WHERE type = 'trigger'"
    else:
        return []
    return sorted((str(kind), str(name)) for kind, name in conn.execute(text(query)))


def _standalone_sequences(conn: Connection) -> list[str]:
    """PostgreSQL sequences no column owns (a column's SERIAL or IDENTITY one is re-created
    with its column)."""
    if conn.dialect.name != "postgresql":
        return []
    query = (
        "SELECT c.relname FROM pg_catalog.pg_class c WHERE c.relkind = 'S' "
        "AND c.relnamespace = current_schema()::regnamespace AND NOT EXISTS ("
        "SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = c.oid "
        "AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0)"
    )
    return sorted(str(name) for name in conn.execute(text(query)).scalars())


def _complete_sqlite_reflection(conn: Connection, metadata: MetaData) -> None:
    """Add what SQLAlchemy's reflection of SQLite misses, read from SQLite's own pragmas:
    a ``UNIQUE`` written in a column's definition, the ``ON DELETE``/``ON UPDATE`` of a
    foreign key written there, and ``AUTOINCREMENT``."""
    for table in metadata.tables.values():
        quoted = '"' + table.name.replace('"', '""') + '"'
        known = {
            tuple(column.name for column in constraint.columns)
            for constraint in table.constraints
            if isinstance(constraint, UniqueConstraint)
        }
        for index in conn.execute(text(f"PRAGMA index_list({quoted})")).mappings():
            if index["origin"] != "u":
                continue
            info = conn.execute(text(f'PRAGMA index_info("{index["name"]}")')).mappings()
            columns = tuple(str(row["name"]) for row in info)
            if columns not in known:
                table.append_constraint(UniqueConstraint(*columns))
        actions = {
            (str(row["from"]), str(row["table"])): (row["on_update"], row["on_delete"])
            for row in conn.execute(text(f"PRAGMA foreign_key_list({quoted})")).mappings()
        }
        for key in table.foreign_key_constraints:
            found = actions.get((key.column_keys[0], key.referred_table.name))
            if found is not None:
                on_update, on_delete = found
                key.onupdate = None if on_update == "NO ACTION" else on_update
                key.ondelete = None if on_delete == "NO ACTION" else on_delete
        sql = conn.execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
            {"name": table.name},
        ).scalar()
        if sql and "AUTOINCREMENT" in str(sql).upper():
            table.dialect_kwargs["sqlite_autoincrement"] = True
