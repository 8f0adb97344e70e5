"""What a changed column does to the values it holds: a ``# TODO`` and a warning each.

Alembic writes a type change as a plain ``alter_column``, and each database then does its
own thing with the rows: PostgreSQL refuses what it cannot cast by itself, MariaDB and MySQL
convert as ``CAST`` does (a ``DATETIME`` becomes ``20240102030405``) or, in a strict
``sql_mode``, refuse what does not fit, and SQLite's batch rebuild copies each value with a
``CAST`` to the new type (a date becomes its year) or keeps it as it was. So every change
between kinds of type, and every narrowing within one (a shorter string, a smaller integer,
less precision, an enum losing a value, ``NOT NULL``), says what happens to the values here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect

#: Bytes of each integer type, to tell a smaller one.
_INTEGER_SIZES = {"TINYINT": 1, "SMALLINT": 2, "MEDIUMINT": 3, "BIGINT": 8}


def kind_of(type_: Any, dialect: Dialect) -> str | None:
    """The kind of value a column of ``type_`` holds: a number, a string, a date/time, ..."""
    from sqlalchemy import (
        JSON,
        Boolean,
        Date,
        DateTime,
        Integer,
        Interval,
        Numeric,
        String,
        Time,
        Uuid,
    )
    from sqlalchemy.types import _Binary

    affinity = type_._type_affinity
    if affinity is Boolean:
        # MariaDB and MySQL store a boolean as TINYINT(1), which reflection gives back.
        return "number" if dialect.name == "mysql" else "boolean"
    kinds: list[tuple[Any, str]] = [
        (Uuid, "UUID"),
        (JSON, "JSON"),
        ((Integer, Numeric), "number"),
        ((DateTime, Date, Time, Interval), "date/time"),
        (String, "string"),
        (_Binary, "binary"),
    ]
    for classes, kind in kinds:
        if isinstance(affinity, type) and issubclass(affinity, classes):
            return kind
    return None


def type_change_problems(op: Any, dialect: Dialect) -> list[str]:
    """What the ``alter_column`` ``op`` does to the values of its column, if anything."""
    old, new = op.existing_type, op.modify_type
    if old is None or new is None:
        return []
    from .enums import native_enum

    if dialect.name == "postgresql" and (native_enum(old) or native_enum(new)):
        return []  # PostgreSQL's enum types: see enums.py and todos.py
    where = f"{op.table_name}.{op.column_name}"
    old_text, new_text = _sql(old, dialect), _sql(new, dialect)
    old_kind, new_kind = kind_of(old, dialect), kind_of(new, dialect)
    if old_kind is None or new_kind is None:
        return []
    if old_kind != new_kind:
        return [
            f"{where} changes from {old_text} (a {old_kind}) to {new_text} (a {new_kind}): "
            + _conversion(op.column_name, old_text, new_text, dialect, copied=new_kind == "JSON")
        ]
    lost = _narrowing(old, new, old_kind, dialect)
    if lost is None:
        return []
    what, silent = lost
    return [
        f"{where} narrows from {old_text} to {new_text}: {what} could be lost. "
        + _narrowing_here(silent, dialect)
        + " Check the rows first (in up(), before the alter_column), or keep the wider type."
    ]


def postgresql_cast(op: Any, dialect: Dialect) -> str | None:
    """The ``postgresql_using`` of an ``alter_column`` between kinds of type on PostgreSQL,
    which converts no such value by itself: each value cast to the new type."""
    from sqlalchemy.dialects.postgresql.base import PGDialect

    old, new = getattr(op, "existing_type", None), getattr(op, "modify_type", None)
    if not isinstance(dialect, PGDialect) or old is None or new is None:
        return None
    from .enums import native_enum

    if native_enum(old) or native_enum(new):
        return None
    old_kind, new_kind = kind_of(old, dialect), kind_of(new, dialect)
    if old_kind is None or new_kind is None or old_kind == new_kind:
        return None
    column = dialect.identifier_preparer.quote(op.column_name)
    return f"{column}::{_sql(new, dialect)}"


def not_null_problem(op: Any, dialect: Dialect) -> str:
    """An existing column made ``NOT NULL``."""
    where = f"{op.table_name}.{op.column_name}"
    return (
        f"{where} becomes NOT NULL: a row holding NULL there makes up() fail on PostgreSQL "
        "and SQLite, and on MariaDB and MySQL too in the run's strict sql_mode (without it "
        "they would turn each NULL into '' or 0). Fill those rows first (in up(), before the "
        "alter_column)."
    )


def added_not_null_problem(table: str, column: str) -> str:
    """A column added ``NOT NULL`` without a server default."""
    return (
        f"{table}.{column} is added NOT NULL without a server default: on a {table} table "
        "with rows, up() fails on PostgreSQL and SQLite, while MariaDB and MySQL fill every "
        "row with the type's empty value ('', 0 or a zero date) and succeed. Give it a "
        "server_default, or add it nullable, fill it, then alter it to NOT NULL."
    )


def _sql(type_: Any, dialect: Dialect) -> str:
    from .compare import type_text

    return type_text(type_, dialect)


def _narrowing(old: Any, new: Any, kind: str, dialect: Dialect) -> tuple[str, bool] | None:
    """What a change within one kind could lose, and whether the database loses it without
    a word (rounding, a time of day dropped) rather than refusing it."""
    from sqlalchemy import Date, DateTime, Enum, Integer, Time

    if kind == "string":
        removed = _removed_values(old, new)
        if removed:
            return f"the values {', '.join(map(repr, removed))}", False
        if isinstance(new, Enum) and not isinstance(old, Enum):
            return "values other than the enum's", False
        old_length, new_length = getattr(old, "length", None), getattr(new, "length", None)
        if new_length is not None and (old_length is None or new_length < old_length):
            return f"values longer than {new_length} characters", False
        return None
    if kind == "number":
        old_int, new_int = isinstance(old, Integer), isinstance(new, Integer)
        if old_int and new_int:
            if _integer_size(new) < _integer_size(old):
                return f"numbers outside {_sql(new, dialect)}'s range", False
            return None
        if new_int:
            return "the fractional part of each number", True
        if old_int:
            return None
        return _precision_lost(old, new)
    if kind == "date/time":
        if isinstance(old, DateTime) and isinstance(new, Date):
            return "the time of day", True
        if isinstance(old, DateTime) and isinstance(new, Time):
            return "the date", True
    return None


def _removed_values(old: Any, new: Any) -> list[str]:
    from sqlalchemy import Enum

    if not (isinstance(old, Enum) and isinstance(new, Enum)):
        return []
    return [value for value in old.enums if value not in new.enums]


def _integer_size(type_: Any) -> int:
    from sqlalchemy import BigInteger, SmallInteger

    name = type(type_).__name__.upper()
    if name in _INTEGER_SIZES:
        return _INTEGER_SIZES[name]
    if isinstance(type_, BigInteger):
        return 8
    return 2 if isinstance(type_, SmallInteger) else 4


def _precision_lost(old: Any, new: Any) -> tuple[str, bool] | None:
    old_precision, new_precision = getattr(old, "precision", None), getattr(new, "precision", None)
    old_scale, new_scale = getattr(old, "scale", None), getattr(new, "scale", None)
    if new_scale is not None and (old_scale is None or new_scale < old_scale):
        return f"digits beyond {new_scale} decimal places", True
    if new_precision is not None and (old_precision is None or new_precision < old_precision):
        return f"numbers of more than {new_precision} digits", False
    return None


def _narrowing_here(silent: bool, dialect: Dialect) -> str:
    if dialect.name == "postgresql":
        if silent:
            return "PostgreSQL converts each value, losing that without a word."
        return "PostgreSQL refuses a value that does not fit: up() fails on such a row."
    if dialect.name == "mysql":
        if silent:
            return "MariaDB and MySQL convert each value, losing that without a word."
        return (
            "MariaDB and MySQL refuse a value that does not fit in the run's strict sql_mode, "
            "so up() fails on such a row (with HEROGOLD_MIGRATE_MYSQL_STRICT off they would "
            "cut it to fit)."
        )
    if dialect.name == "sqlite":
        return (
            "SQLite enforces no length or size, so it keeps each value as it is, but another "
            "database given this schema will not."
        )
    return "The database may refuse or cut a value that does not fit."


def _conversion(column: str, old: str, new: str, dialect: Dialect, *, copied: bool) -> str:
    if dialect.name == "postgresql":
        return (
            "PostgreSQL converts none of these values by itself: up() casts each with "
            f'postgresql_using="{column}::{new}", and down() casts back with '
            f'postgresql_using="{column}::{old}". A value the cast refuses makes the step '
            "fail (and some types have no cast): write an expression converting each value "
            "instead."
        )
    if dialect.name == "mysql":
        return (
            "MariaDB and MySQL convert each value as CAST does (a DATETIME becomes a number "
            "such as 20240102030405), refuse one they cannot convert in the run's strict "
            "sql_mode, and refuse some changes even on an empty table (an auto-numbered "
            "integer to a UUID). Convert the values yourself: add a column of the new type, "
            f"fill it with UPDATE ... SET new = CAST({column} AS ...) or an expression, drop "
            f"{column}, rename the new one; and the other way in down()."
        )
    if dialect.name == "sqlite" and copied:
        return (
            "SQLite's batch rebuild copies each value as it is, so a value that is no valid "
            "JSON fails when the row is loaded. Check or convert the values in up()."
        )
    if dialect.name == "sqlite":
        return (
            f"SQLite's batch rebuild copies each value with CAST({column} AS {new}) (a date "
            "held as text becomes its year), or as it is (an integer stays one in a UUID "
            "column, and the row then fails to load). Convert the values yourself in up() "
            "(an UPDATE before or after the alter_column), and back in down()."
        )
    return "The database converts the values as it can, or refuses: check them in up()."
