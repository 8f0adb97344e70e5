"""A cheap text per table that changes whenever the table does: what a snapshot need not
reflect again; and the schema's objects listed, with those texts, in one query.

The round-trip check takes three snapshots per migration, and a migration touches a table or
two: reflecting every table each time would make the check's cost grow with the square of the
number of migrations. Each database keeps its schema in a form that is cheap to read whole:

* SQLite, the ``CREATE`` statements of ``sqlite_master`` (a table's, its indexes' and
  triggers'), which every change to the table rewrites;
* PostgreSQL, the catalog: the version of each row that describes the table (its columns,
  defaults, constraints, indexes and comments), in one query;
* MariaDB and MySQL, ``information_schema``: a line per column, index column, key column,
  foreign key's rules, check constraint and table options, in one query for every table
  (``SHOW CREATE TABLE`` would be a query per table, each snapshot).

The same query lists the schema's tables, views, sequences and (PostgreSQL) enum types, as
the inspector would find them kind by kind: a snapshot of an unchanged schema is one round
trip. For any other database there is none: the inspector lists the objects kind by kind
(:func:`inspected_objects`), and every table is reflected each time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.engine.reflection import Inspector

# One query per database, giving a row (kind, name, description, fingerprint) per object of
# the schema (a table, a view, ...), NULL where the row is not about that (SQLite's
# fingerprints are rows of their own). A table's fingerprint is its lines, sorted, each line
# a catalogue row that describes it; on PostgreSQL and MariaDB the server hashes them, so
# each snapshot reads a row per table, not one per column and index.

_SQLITE = """
    SELECT NULL, tbl_name, NULL, group_concat(coalesce(sql, name), char(10)) FROM
    (SELECT tbl_name, name, sql FROM sqlite_master
     WHERE type IN ('table', 'index', 'trigger') ORDER BY type, name) GROUP BY tbl_name
    UNION ALL SELECT type, name, CASE type WHEN 'view' THEN sql END, NULL FROM sqlite_master
    WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite~_%' ESCAPE '~'
"""

# A line per catalog row that describes a table: its columns (with their types, so renaming a
# type they use shows), defaults, constraints, indexes (and the index relation, which holds
# its name) and comments, each by the row's version (``xmin``): any change to a catalog row
# writes a new version, and a dropped one disappears. Rendering each definition instead
# (pg_get_indexdef and the like) costs several times more, for every table, each snapshot.
# Then the other objects: views with their definitions, sequences that are not a column's
# (SERIAL, IDENTITY), enum types with their labels.
_POSTGRESQL = """
    WITH t AS (SELECT oid, relname, xmin FROM pg_class
               WHERE relkind IN ('r', 'p') AND relnamespace = current_schema()::regnamespace),
    lines (name, line) AS (
        SELECT t.relname, 't ' || t.xmin::text FROM t
        UNION ALL SELECT t.relname, concat_ws(' ', 'a', a.attnum, a.xmin::text,
            format_type(a.atttypid, a.atttypmod))
        FROM pg_attribute a JOIN t ON t.oid = a.attrelid WHERE a.attnum > 0
        UNION ALL SELECT t.relname, concat_ws(' ', 'd', d.adnum, d.xmin::text)
        FROM pg_attrdef d JOIN t ON t.oid = d.adrelid
        UNION ALL SELECT t.relname, concat_ws(' ', 'k', k.oid, k.xmin::text)
        FROM pg_constraint k JOIN t ON t.oid = k.conrelid
        UNION ALL SELECT t.relname, concat_ws(' ', 'i', i.indexrelid, i.xmin::text,
            c.xmin::text)
        FROM pg_index i JOIN t ON t.oid = i.indrelid JOIN pg_class c ON c.oid = i.indexrelid
        UNION ALL SELECT t.relname, concat_ws(' ', 'm', m.objsubid, m.xmin::text)
        FROM pg_description m JOIN t ON t.oid = m.objoid AND m.classoid = 'pg_class'::regclass)
    SELECT 'table', name, NULL, md5(string_agg(line, ';' ORDER BY line)) FROM lines
    GROUP BY name
    UNION ALL SELECT CASE c.relkind WHEN 'v' THEN 'view' ELSE 'sequence' END, c.relname,
        CASE c.relkind WHEN 'v' THEN pg_get_viewdef(c.oid) END, NULL
    FROM pg_class c
    WHERE c.relkind IN ('v', 'S') AND c.relnamespace = current_schema()::regnamespace
    AND NOT (c.relkind = 'S' AND EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid
        AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
    UNION ALL SELECT 'enum type', ty.typname,
        string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder), NULL
    FROM pg_type ty JOIN pg_enum e ON e.enumtypid = ty.oid
    WHERE ty.typnamespace = current_schema()::regnamespace GROUP BY ty.typname
"""

# A line per column, index column, key column, foreign key's rules, check constraint and
# table's options; the last also says what kind of object it is, as the inspector would (SHOW
# FULL TABLES calls a system-versioned table a base table; MariaDB's sequences are tables of
# a type of their own). GROUP_CONCAT stops at group_concat_max_len (1,024 bytes on MySQL by
# default): a table whose lines it cut has no fingerprint, and is reflected each time.
_MYSQL = """
    SELECT MAX(kind), name, CASE WHEN MAX(kind) = 'view' THEN (SELECT
        REPLACE(VIEW_DEFINITION, CONCAT('`', DATABASE(), '`.'), '')
        FROM information_schema.VIEWS v WHERE v.TABLE_SCHEMA = DATABASE()
        AND v.TABLE_NAME = described.name) END,
        CASE WHEN LENGTH(GROUP_CONCAT(line ORDER BY line SEPARATOR ';'))
            = SUM(LENGTH(line)) + COUNT(*) - 1
        THEN MD5(GROUP_CONCAT(line ORDER BY line SEPARATOR ';')) END
    FROM (
        SELECT NULL AS kind, TABLE_NAME AS name, CONCAT_WS(' ', 'c', ORDINAL_POSITION,
            COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, COLUMN_COMMENT,
            GENERATION_EXPRESSION, COLLATION_NAME) AS line
        FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()
        UNION ALL SELECT NULL, TABLE_NAME, CONCAT_WS(' ', 'i', INDEX_NAME, SEQ_IN_INDEX,
            COLUMN_NAME, NON_UNIQUE, SUB_PART, INDEX_TYPE, COLLATION, INDEX_COMMENT)
        FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()
        UNION ALL SELECT NULL, TABLE_NAME, CONCAT_WS(' ', 'k', CONSTRAINT_NAME,
            ORDINAL_POSITION, COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME)
        FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE()
        UNION ALL SELECT NULL, TABLE_NAME, CONCAT_WS(' ', 'r', CONSTRAINT_NAME, UPDATE_RULE,
            DELETE_RULE, REFERENCED_TABLE_NAME)
        FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()
        UNION ALL SELECT NULL, TABLE_NAME, CONCAT_WS(' ', 'x', CONSTRAINT_NAME, CHECK_CLAUSE)
        FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()
        UNION ALL SELECT CASE WHEN TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') THEN 'table'
            WHEN TABLE_TYPE IN ('VIEW', 'SYSTEM VIEW') THEN 'view'
            WHEN TABLE_TYPE = 'SEQUENCE' THEN 'sequence' END, TABLE_NAME,
            CONCAT_WS(' ', 't', TABLE_TYPE, ENGINE, TABLE_COLLATION, CREATE_OPTIONS,
            TABLE_COMMENT)
        FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()
    ) AS described
    GROUP BY name
"""

_QUERIES = {"sqlite": _SQLITE, "postgresql": _POSTGRESQL, "mysql": _MYSQL, "mariadb": _MYSQL}


@dataclass(frozen=True)
class SchemaListing:
    """A schema's objects and its tables' fingerprints, as one query read them."""

    #: Kind (``table``, ``view``, ``sequence``, ``enum type``) to name to description.
    objects: dict[str, dict[str, str]]
    #: A text per table that changes when the table does; a table without one is reflected
    #: each time.
    fingerprints: dict[str, str]


def schema_objects(conn: Connection) -> SchemaListing | None:
    """The schema's objects and its tables' fingerprints, in one query; None where the
    inspector is asked kind by kind instead, and every table reflected each time."""
    query = _QUERIES.get(conn.dialect.name)
    if query is None:
        return None
    found: dict[str, dict[str, str]] = {"table": {}, "view": {}, "sequence": {}, "enum type": {}}
    fingerprints: dict[str, str] = {}
    for kind, name, description, fingerprint in conn.execute(text(query)):
        if kind is not None:
            # A view is described by its definition as the database keeps it (normalised by
            # PostgreSQL and MariaDB; SQLite keeps the text, compared whitespace aside).
            found[kind][name] = " ".join((description or "").split())
        if fingerprint is not None:
            fingerprints[name] = fingerprint
    return SchemaListing(found, fingerprints)


def table_fingerprints(conn: Connection, tables: list[str]) -> dict[str, str] | None:
    """A text per table of ``tables`` that changes when the table does (none for a table
    whose text could not be read whole); None if this database has no cheap way to tell."""
    listed = schema_objects(conn)
    if listed is None:
        return None
    return {table: listed.fingerprints[table] for table in tables if table in listed.fingerprints}


def inspected_objects(conn: Connection, inspector: Inspector) -> dict[str, dict[str, str]]:
    """The objects :func:`schema_objects` lists, from the inspector kind by kind: for a
    database without the one query."""
    # PostgreSQL's named enum types are the only ones described: by their labels.
    get_enums = getattr(inspector, "get_enums", None)
    enums = _optional(get_enums, []) if get_enums is not None else []
    return {
        "table": dict.fromkeys(inspector.get_table_names(), ""),
        "view": dict.fromkeys(_optional(inspector.get_view_names, []), ""),
        "sequence": dict.fromkeys(_standalone_sequences(conn, inspector), ""),
        "enum type": {enum["name"]: ", ".join(enum["labels"]) for enum in enums},
    }


def _standalone_sequences(conn: Connection, inspector: Inspector) -> list[str]:
    """The sequences that are objects of their own, not a column's (SERIAL, IDENTITY)."""
    if not conn.dialect.supports_sequences:
        return []
    names: list[str] = _optional(inspector.get_sequence_names, [])
    if conn.dialect.name == "postgresql" and names:
        # A column's sequence goes with the column: its default or identity shows it.
        owned = conn.execute(
            text(
                "SELECT c.relname FROM pg_class c JOIN pg_depend d ON d.objid = c.oid "
                "AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') "
                "WHERE c.relkind = 'S' AND c.relnamespace = current_schema()::regnamespace"
            )
        ).scalars()
        names = sorted(set(names) - set(owned))
    return names


def _optional(read: Callable[[], list[Any]], default: list[Any]) -> list[Any]:
    """What ``read()`` returns, or ``default`` where the dialect cannot reflect it."""
    try:
        return read()
    except NotImplementedError:
        return default
