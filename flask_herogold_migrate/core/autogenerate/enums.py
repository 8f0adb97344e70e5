"""PostgreSQL enum types: the models' values compared with the database's.

A native enum is a type of its own in PostgreSQL, which Alembic's comparison does not look
into: a value added to a model's enum goes unnoticed, and the first row holding it fails.
This module reads every enum type of the schema and the columns using them (two queries),
and says which types the models declare with other values, or declare and the database
lacks. :mod:`.enum_operations` turns that into a migration's statements.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .difference import Difference

if TYPE_CHECKING:
    from sqlalchemy import MetaData
    from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class EnumColumn:
    """A column of the database whose type is an enum type, with its default as SQL."""

    table: str
    column: str
    default: str | None


@dataclass(frozen=True)
class EnumChange:
    """An enum type the models declare with ``new`` values; ``old`` is the database's."""

    name: str
    #: The database's values, in order; None when the database has no such type yet.
    old: tuple[str, ...] | None
    new: tuple[str, ...]
    #: The columns of the database using the type, in every table, model or not.
    columns: tuple[EnumColumn, ...] = ()

    @property
    def only_adds_values(self) -> bool:
        """Whether every old value is kept, in the same order: ``ALTER TYPE ... ADD VALUE``
        can do it without touching a row."""
        if self.old is None:
            return False
        kept = [value for value in self.new if value in self.old]
        return kept == list(self.old)

    def difference(self) -> Difference:
        old = ", ".join(self.old or ())
        return Difference("~ enum", None, self.name, f"{old} -> {', '.join(self.new)}")


def declared_enums(metadata: Iterable[MetaData]) -> dict[str, tuple[str, ...]]:
    """The native enum types the models' columns use, by name, with their values."""
    declared: dict[str, tuple[str, ...]] = {}
    for item in metadata:
        for table in item.tables.values():
            if table.schema is not None:
                continue
            for column in table.columns:
                found = native_enum(column.type)
                if found is not None:
                    declared.setdefault(found[0], found[1])
    return declared


def native_enum(type_: Any) -> tuple[str, tuple[str, ...]] | None:
    """``(name, values)`` if ``type_`` is a named native enum of the default schema."""
    from sqlalchemy import Enum

    if (
        isinstance(type_, Enum)
        and type_.native_enum
        and type_.name
        and getattr(type_, "schema", None) is None
    ):
        return type_.name, tuple(type_.enums)
    return None


def defined_enums(conn: Connection) -> dict[str, tuple[str, ...]]:
    """Every enum type of the current schema, with its values in their order."""
    from sqlalchemy import text

    rows = conn.execute(
        text(
            "SELECT t.typname, e.enumlabel FROM pg_type t "
            "JOIN pg_enum e ON e.enumtypid = t.oid "
            "JOIN pg_namespace n ON n.oid = t.typnamespace "
            "WHERE n.nspname = current_schema() ORDER BY t.typname, e.enumsortorder"
        )
    )
    defined: dict[str, list[str]] = {}
    for name, label in rows:
        defined.setdefault(name, []).append(label)
    return {name: tuple(labels) for name, labels in defined.items()}


def enum_columns(conn: Connection) -> dict[str, tuple[EnumColumn, ...]]:
    """The columns (of every table of the current schema) using each enum type."""
    from sqlalchemy import text

    rows = conn.execute(
        text(
            "SELECT t.typname, c.relname, a.attname, pg_get_expr(d.adbin, d.adrelid) "
            "FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_type t ON t.oid = a.atttypid "
            "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            "WHERE t.typtype = 'e' AND n.nspname = current_schema() "
            "AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped "
            "ORDER BY c.relname, a.attnum"
        )
    )
    columns: dict[str, list[EnumColumn]] = {}
    for type_name, table, column, default in rows:
        columns.setdefault(type_name, []).append(EnumColumn(table, column, default))
    return {name: tuple(found) for name, found in columns.items()}


def compare_enums(conn: Connection, metadata: Iterable[MetaData]) -> list[EnumChange]:
    """The enum types the database has with other values than the models'."""
    declared = declared_enums(metadata)
    if not declared:
        return []
    defined = defined_enums(conn)
    changed = {
        name: values
        for name, values in declared.items()
        if name in defined and defined[name] != values
    }
    if not changed:
        return []
    columns = enum_columns(conn)
    return [
        EnumChange(name, defined[name], values, columns.get(name, ()))
        for name, values in sorted(changed.items())
    ]


def new_enums(conn: Connection, metadata: Iterable[MetaData]) -> list[EnumChange]:
    """The enum types the models declare and the database lacks (``old`` is None)."""
    declared = declared_enums(metadata)
    if not declared:
        return []
    defined = defined_enums(conn)
    return [
        EnumChange(name, None, values)
        for name, values in sorted(declared.items())
        if name not in defined
    ]
