"""One generated row in each empty table, so a step that cannot keep its rows fails.

A throwaway database is empty, and on an empty table every step passes: a ``NOT NULL``
column added without a default, a narrowed column, a type with no conversion. Before each
step of ``migrate:test --with-rows``, each table without a row gets one: its key columns
and ``NOT NULL`` columns hold a plain value of their type (``1``, ``'x'``, a date, the first
value of an enum, ``{}``; an integer key :data:`PROBE_KEY`), a foreign key the key of the row
it refers to, the others NULL.
A table whose row the database refuses (a check constraint, a type we cannot fill) is left
empty: the row is a probe of the steps, not something to check itself.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import MetaData, Table, func, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

#: The integer key of a generated row: away from the keys a migration inserts (1, 2, ...),
#: and within a SMALLINT.
PROBE_KEY = 30000


def fill_empty_tables(engine: Engine, *, exclude: Collection[str] = ()) -> list[str]:
    """Give each table of ``engine``'s database that has no row one; return their names."""
    filled = []
    with engine.connect() as conn:
        tables = MetaData()
        with conn.begin():
            tables.reflect(conn)
        for table in tables.sorted_tables:  # a referred table first: its row is referred to
            if table.name in exclude:
                continue
            with conn.begin():
                empty = not conn.execute(select(func.count()).select_from(table)).scalar()
                row = _row(conn, table) if empty else None
            if row is None:
                continue
            try:
                with conn.begin():
                    conn.execute(insert(table).values(row))
            except SQLAlchemyError:
                continue  # refused: the table stays empty
            filled.append(table.name)
    return filled


def _row(conn: Connection, table: Table) -> dict[str, Any] | None:
    """The values of a row of ``table`` (None: one it cannot have, a key it refers to
    missing)."""
    from sqlalchemy import Integer

    row: dict[str, Any] = {}
    for column in table.columns:
        keys = list(column.foreign_keys)
        if column.primary_key and not keys and isinstance(column.type, Integer):
            row[column.name] = PROBE_KEY
            continue
        if column.server_default is not None or column.computed is not None:
            continue  # the database fills it
        if keys:
            referred = keys[0].column
            value = conn.execute(select(referred).limit(1)).scalar()
            if value is None and not column.nullable:
                return None
            row[column.name] = value
        elif column.primary_key or not column.nullable:
            row[column.name] = value_of(column.type)
    return row


def value_of(type_: Any) -> Any:
    """A plain value a column of ``type_`` holds."""
    from sqlalchemy import (
        JSON,
        Boolean,
        Date,
        DateTime,
        Enum,
        Integer,
        Interval,
        LargeBinary,
        Numeric,
        String,
        Time,
        Uuid,
    )

    enums = getattr(type_, "enums", None)
    if isinstance(type_, Enum) and enums:
        return enums[0]
    kinds: list[tuple[Any, Any]] = [
        (Boolean, False),
        (Integer, 1),
        (Numeric, decimal.Decimal("1")),
        (DateTime, datetime.datetime(2024, 1, 2, 3, 4, 5)),
        (Date, datetime.date(2024, 1, 2)),
        (Time, datetime.time(3, 4, 5)),
        (Interval, datetime.timedelta(days=1)),
        (Uuid, uuid.UUID(int=1)),
        (JSON, {}),
        (LargeBinary, b"x"),
        (String, "x"),
    ]
    affinity = getattr(type_, "_type_affinity", None)
    for kind, value in kinds:
        if isinstance(type_, kind) or (isinstance(affinity, type) and issubclass(affinity, kind)):
            return value
    return "1"
