"""Creating the tracking table, and upgrading one made by an older version.

Only the first run on a database, or the first after an upgrade of this package, comes here:
every other run finds the table complete with one query (:func:`is_complete`). The full
``Table`` carries MySQL options only on MySQL and MariaDB: naming them imports that dialect,
which SQLite and PostgreSQL have no use for.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    inspect,
    literal,
    null,
    select,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import CreateColumn
from sqlalchemy.sql.expression import TableClause

from ..errors import ConfigurationError, TrackingTableError
from ..states import APPLIED

# Columns that identify the table as ours, present since the first version. Every other
# column may be missing in a table made by an older version and is then added, never rebuilt.
IDENTITY_COLUMNS = ("name", "batch", "applied_at")
_DEFAULTS = {"checksum": None, "state": APPLIED}
#: Every column a complete table has.
COLUMNS = (*IDENTITY_COLUMNS, *_DEFAULTS)


def is_complete(conn: Connection, name: str) -> bool:
    """Whether the table exists with every column, found with one query and no reflection.

    That is the case on every run but the first; reflecting the table and building the full
    ``Table`` would cost every run.
    """
    preparer = conn.dialect.identifier_preparer
    names = ", ".join(preparer.quote(c) for c in (*IDENTITY_COLUMNS, *_DEFAULTS))
    try:
        with conn.begin():
            conn.exec_driver_sql(f"SELECT {names} FROM {preparer.quote(name)} WHERE 1 = 0")
    except DBAPIError:
        return False
    return True


def create_or_upgrade(conn: Connection, name: str) -> None:
    """Create the table, or add the columns a table from an older version lacks."""
    full = _full_table(name, conn.dialect.name)
    with conn.begin():
        existing = existing_columns(conn, name)
        if existing is None:
            if "." in name:
                # It would be one quoted name: a table literally called "public.x". One that
                # already exists (made by an older version) is still used.
                raise ConfigurationError(
                    f"The tracking table name {name!r} names a schema: give the table's name "
                    "alone. The table is made in the connection's default schema (on "
                    "PostgreSQL the first of search_path; on MySQL and MariaDB the URL's "
                    "database)."
                )
            full.create(conn)
            return
        preparer = conn.dialect.identifier_preparer
        for col in full.columns:
            if col.name not in existing:
                ddl = CreateColumn(col).compile(dialect=conn.dialect)
                conn.exec_driver_sql(f"ALTER TABLE {preparer.format_table(full)} ADD COLUMN {ddl}")


def read_what_exists(conn: Connection, light: TableClause) -> list[Any]:
    """The rows of a table an older version made, its missing columns given their defaults."""
    with conn.begin():
        existing = existing_columns(conn, light.name)
        if existing is None:
            return []
        present: list[Any] = [light.c[name] for name in IDENTITY_COLUMNS]
        present += [
            light.c[name].label(name) if name in existing else _default(name) for name in _DEFAULTS
        ]
        return list(conn.execute(select(*present)).all())


def existing_columns(conn: Connection, name: str) -> set[str] | None:
    """Column names of the existing table, None if it does not exist; refuse a stranger's."""
    if conn.dialect.name in ("mysql", "mariadb") and conn.scalar(text("SELECT DATABASE()")) is None:
        # Only on this slow path: SQLAlchemy's inspector would fail on an assertion.
        raise ConfigurationError(
            "The connection has no database selected: name it in the URL, after the host, "
            "as in mysql+pymysql://user@host/mydb."
        )
    inspector = inspect(conn)
    if not inspector.has_table(name):
        return None
    names = {c["name"].lower() for c in inspector.get_columns(name)}
    if not set(IDENTITY_COLUMNS) <= names:
        raise TrackingTableError(
            f"A table named {name!r} exists, but flask-herogold-migrate did not create it "
            f"(its columns: {', '.join(sorted(names))}). It was left untouched. Choose "
            "another tracking table name with HEROGOLD_MIGRATE_TABLE or --table."
        )
    return names


def _full_table(name: str, dialect_name: str) -> Table:
    # Binary collation: names differing only in case or trailing spaces stay distinct.
    mysql_options: dict[str, Any] = (
        {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin", "mysql_engine": "InnoDB"}
        if dialect_name in ("mysql", "mariadb")
        else {}
    )
    return Table(
        name,
        MetaData(),
        Column("name", String(255), primary_key=True),
        Column("batch", Integer, nullable=False),
        Column("applied_at", DateTime, nullable=False),
        Column("checksum", String(64), nullable=True),
        Column("state", String(16), nullable=False, server_default=APPLIED),
        **mysql_options,
    )


def _default(name: str) -> Any:
    value = _DEFAULTS[name]
    return (literal(value) if value is not None else null()).label(name)
