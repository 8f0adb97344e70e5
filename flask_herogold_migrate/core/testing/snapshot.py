"""A database's schema as reflection sees it, to tell whether two moments had the same one.

The round-trip check takes a snapshot before a migration's ``up()``, after it, after its
``down()`` and after ``up()`` again, and compares them: tables, columns with their types,
nullability, defaults and comments, primary keys, indexes, unique, foreign-key and check
constraints, views, sequences and PostgreSQL enum types, in the database's default schema.
Each is reduced to a line of text, with what reflection varies on for one schema normalised
(whitespace, the parentheses SQLite keeps or adds around a default when a table is rebuilt),
and the snapshots compare line by line. It compares a database with itself at two moments;
comparing models with a database is :mod:`.compare`'s work, done with Alembic.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.engine.reflection import Inspector, ObjectKind, ObjectScope
from sqlalchemy.exc import SQLAlchemyError

from .fingerprints import inspected_objects, schema_objects, table_fingerprints

#: (table, or None for an object of the schema itself; kind; name or stand-in) -> description.
ObjectKey = tuple[str | None, str, str]


@dataclass(frozen=True)
class SchemaSnapshot:
    """Every object of a schema, keyed, with a description that changes when it does."""

    objects: Mapping[ObjectKey, str]
    #: The tables' fingerprints (:mod:`.fingerprints`), when the database has them; a table
    #: without one is reflected each time.
    fingerprints: Mapping[str, str] | None = None


@dataclass(frozen=True)
class SchemaDifference:
    """One object that one snapshot (``after``) has, lacks or has otherwise than another."""

    change: Literal["extra", "missing", "changed"]
    #: ``table``, ``column``, ``index``, ``unique constraint``, ``foreign key``, ...
    kind: str
    #: How messages name the object: ``posts``, ``posts.slug``, ``ix_posts_slug``.
    label: str
    #: The object as the earlier snapshot has it (None if it lacks it).
    before: str | None
    #: The object as the later snapshot has it (None if it lacks it).
    after: str | None

    @property
    def named(self) -> str:
        """``index ix_posts_slug``, ``column posts.slug``."""
        return f"{self.kind} {self.label}"


def take_snapshot(
    conn: Connection, *, exclude: Collection[str] = (), previous: SchemaSnapshot | None = None
) -> SchemaSnapshot:
    """The schema ``conn`` sees, without the tables named in ``exclude`` (the tracking table).

    Given the ``previous`` snapshot of the same database, a table whose fingerprint has not
    changed since is taken from it instead of being reflected again.
    """
    inspector = inspect(conn)
    objects: dict[ObjectKey, str] = {}
    listed = schema_objects(conn)
    kinds = inspected_objects(conn, inspector) if listed is None else listed.objects
    tables = sorted(set(kinds["table"]) - set(exclude))
    fingerprints = (
        table_fingerprints(conn, tables)
        if listed is None
        else {table: listed.fingerprints[table] for table in tables if table in listed.fingerprints}
    )
    unchanged: set[str] = set()
    if fingerprints is not None and previous is not None and previous.fingerprints is not None:
        known = previous.fingerprints
        unchanged = {
            table for table, fingerprint in fingerprints.items() if known.get(table) == fingerprint
        }
        objects.update(
            (key, value) for key, value in previous.objects.items() if key[0] in unchanged
        )
    for table in tables:
        objects[(table, "table", table)] = ""
    changed = [table for table in tables if table not in unchanged]
    if changed:
        _add_table_objects(objects, inspector, changed, conn.dialect)
    for kind in ("view", "sequence", "enum type"):
        objects.update(((None, kind, name), text) for name, text in kinds[kind].items())
    return SchemaSnapshot(objects, fingerprints)


def differences(before: SchemaSnapshot, after: SchemaSnapshot) -> list[SchemaDifference]:
    """What ``after`` has that ``before`` has not, lacks, or has otherwise.

    A table one of them lacks is one difference, not one per column and index of it.
    """
    old, new = before.objects, after.objects
    if old == new:
        return []
    whole_tables = {
        key[2] for key in old.keys() ^ new.keys() if key[1] == "table" and key[0] is not None
    }
    found = []
    for key in sorted((k for k in old.keys() | new.keys() if old.get(k) != new.get(k)), key=_order):
        table, kind, _ = key
        if kind != "table" and table in whole_tables:
            continue
        was, now = old.get(key), new.get(key)
        change: Literal["extra", "missing", "changed"] = (
            "extra" if was is None else "missing" if now is None else "changed"
        )
        found.append(SchemaDifference(change, kind, _label(key, was or now or ""), was, now))
    return found


def _order(key: ObjectKey) -> tuple[str, int, str]:
    table, kind, name = key
    return (table or "", _KINDS.index(kind), name)


_KINDS = (
    "table",
    "primary key",
    "column",
    "index",
    "unique constraint",
    "foreign key",
    "check constraint",
    "view",
    "sequence",
    "enum type",
)


def _label(key: ObjectKey, description: str) -> str:
    table, kind, name = key
    if kind == "column":
        return f"{table}.{name}"
    if kind == "primary key":
        return f"of {table}"
    if name.startswith(_UNNAMED):
        return description  # an unnamed constraint is known by what it is
    return name


#: The stand-in name of an unnamed constraint or index starts with this.
_UNNAMED = "\0unnamed "


def _add_table_objects(
    objects: dict[ObjectKey, str], inspector: Inspector, tables: list[str], dialect: Dialect
) -> None:
    def each(method: str) -> Iterable[tuple[str, Any]]:
        # The names are the schema's tables, as listed: with kind and scope ANY, a dialect that
        # reflects table by table (MariaDB, SQLite) takes them as they are, instead of listing
        # the schema's tables again for each kind of object.
        reflect = getattr(inspector, method)
        found = _optional(
            lambda: reflect(filter_names=tables, kind=ObjectKind.ANY, scope=ObjectScope.ANY), {}
        )
        for (_, table), entries in sorted(found.items(), key=lambda item: item[0][1]):
            yield table, entries

    for table, columns in each("get_multi_columns"):
        for column in columns:
            objects[(table, "column", column["name"])] = _column(column, dialect)
    for table, key in each("get_multi_pk_constraint"):
        if key and key.get("constrained_columns"):
            name = f" {key['name']}" if key.get("name") else ""
            objects[(table, "primary key", "")] = f"{_columns(key['constrained_columns'])}{name}"
    unique_indexes: set[tuple[str, str]] = set()
    for table, constraints in each("get_multi_unique_constraints"):
        for unique in constraints:
            described = f"on {table}{_columns(unique['column_names'])}"
            objects[(table, "unique constraint", _name(unique, described))] = described
            # MariaDB and MySQL list each unique constraint's index as an index too.
            unique_indexes.add((table, unique.get("duplicates_index") or ""))
    for table, indexes in each("get_multi_indexes"):
        for index in indexes:
            if index.get("duplicates_constraint") or (table, index["name"]) in unique_indexes:
                continue
            columns = [
                column if column is not None else expression
                for column, expression in zip(
                    index["column_names"],
                    index.get("expressions") or [None] * len(index["column_names"]),
                    strict=True,
                )
            ]
            unique = "unique, " if index.get("unique") else ""
            described = f"{unique}on {table}{_columns(columns)}"
            objects[(table, "index", _name(index, described))] = described
    for table, keys in each("get_multi_foreign_keys"):
        for foreign in keys:
            options = "".join(
                f" {option.upper()} {value}"
                for option, value in sorted(foreign.get("options", {}).items())
            )
            described = (
                f"{table}{_columns(foreign['constrained_columns'])} -> "
                f"{foreign['referred_table']}{_columns(foreign['referred_columns'])}{options}"
            )
            objects[(table, "foreign key", _name(foreign, described))] = described
    for table, checks in each("get_multi_check_constraints"):
        for check in checks:
            described = f"on {table}: {_sql(check['sqltext'])}"
            objects[(table, "check constraint", _name(check, described))] = described


def _column(column: Mapping[str, Any], dialect: Dialect) -> str:
    parts = [_type(column["type"], dialect)]
    if not column.get("nullable", True):
        parts.append("NOT NULL")
    if column.get("default") is not None:
        parts.append(f"DEFAULT {_sql(str(column['default']))}")
    if column.get("identity"):
        parts.append("GENERATED AS IDENTITY")
    elif column.get("autoincrement") is True:  # MariaDB's AUTO_INCREMENT, a SERIAL's sequence
        parts.append("AUTO_INCREMENT")
    computed = column.get("computed")
    if computed:
        parts.append(f"GENERATED ALWAYS AS ({_sql(str(computed['sqltext']))})")
    if column.get("comment"):
        parts.append(f"COMMENT {column['comment']!r}")
    return " ".join(parts)


def _type(type_: Any, dialect: Dialect) -> str:
    try:
        return str(type_.compile(dialect=dialect))
    except SQLAlchemyError:  # a type this dialect cannot render: its Python form says enough
        return repr(type_)


def _name(entry: Mapping[str, Any], described: str) -> str:
    name = entry.get("name")
    return str(name) if name else f"{_UNNAMED}{described}"


def _columns(columns: Iterable[object]) -> str:
    return f"({', '.join(str(column) for column in columns)})"


def _sql(sql: str) -> str:
    """SQL text with whitespace collapsed and the parentheses around the whole of it removed."""
    sql = " ".join(sql.split())
    while sql.startswith("(") and sql.endswith(")") and _wraps_whole(sql):
        sql = sql[1:-1].strip()
    return sql


def _wraps_whole(sql: str) -> bool:
    """Whether the first parenthesis of ``sql`` closes at its last character."""
    depth = 0
    for position, char in enumerate(sql):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return position == len(sql) - 1
    return False


def _optional(read: Any, default: Any) -> Any:
    """What ``read()`` returns, or ``default`` where the dialect cannot reflect it."""
    try:
        return read()
    except NotImplementedError:
        return default
