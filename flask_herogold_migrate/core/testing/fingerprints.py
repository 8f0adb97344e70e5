"""A cheap text per table that changes whenever the table does: what a snapshot need not
reflect again.

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

For any other database there is none, and every table is reflected each time.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

_SQLITE = text(
    "SELECT tbl_name, group_concat(coalesce(sql, name), char(10)) FROM "
    "(SELECT tbl_name, name, sql FROM sqlite_master "
    "WHERE type IN ('table', 'index', 'trigger') ORDER BY type, name) GROUP BY tbl_name"
)

# A line per catalog row that describes a table: its columns (with their types, so renaming a
# type they use shows), defaults, constraints, indexes (and the index relation, which holds
# its name) and comments, each by the row's version (``xmin``): any change to a catalog row
# writes a new version, and a dropped one disappears. Rendering each definition instead
# (pg_get_indexdef and the like) costs several times more, for every table, each snapshot.
_POSTGRESQL = text(
    """
    WITH t AS (SELECT oid, relname, xmin FROM pg_class
               WHERE relkind IN ('r', 'p') AND relnamespace = current_schema()::regnamespace)
    SELECT t.relname, 't ' || t.xmin::text FROM t
    UNION ALL SELECT t.relname, concat_ws(' ', 'a', a.attnum, a.xmin::text,
        format_type(a.atttypid, a.atttypmod))
    FROM pg_attribute a JOIN t ON t.oid = a.attrelid WHERE a.attnum > 0
    UNION ALL SELECT t.relname, concat_ws(' ', 'd', d.adnum, d.xmin::text)
    FROM pg_attrdef d JOIN t ON t.oid = d.adrelid
    UNION ALL SELECT t.relname, concat_ws(' ', 'k', k.oid, k.xmin::text)
    FROM pg_constraint k JOIN t ON t.oid = k.conrelid
    UNION ALL SELECT t.relname, concat_ws(' ', 'i', i.indexrelid, i.xmin::text, c.xmin::text)
    FROM pg_index i JOIN t ON t.oid = i.indrelid JOIN pg_class c ON c.oid = i.indexrelid
    UNION ALL SELECT t.relname, concat_ws(' ', 'm', m.objsubid, m.xmin::text)
    FROM pg_description m JOIN t ON t.oid = m.objoid AND m.classoid = 'pg_class'::regclass
    """
)


# Every kind of object in one query, a line per row; a table's lines, sorted, are its text.
_MYSQL = text(
    """
    SELECT TABLE_NAME, CONCAT_WS(' ', 'c', ORDINAL_POSITION, COLUMN_NAME, COLUMN_TYPE,
        IS_NULLABLE, COLUMN_DEFAULT, EXTRA, COLUMN_COMMENT, GENERATION_EXPRESSION,
        COLLATION_NAME)
    FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()
    UNION ALL SELECT TABLE_NAME, CONCAT_WS(' ', 'i', INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME,
        NON_UNIQUE, SUB_PART, INDEX_TYPE, COLLATION, INDEX_COMMENT)
    FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()
    UNION ALL SELECT TABLE_NAME, CONCAT_WS(' ', 'k', CONSTRAINT_NAME, ORDINAL_POSITION,
        COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME)
    FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE()
    UNION ALL SELECT TABLE_NAME, CONCAT_WS(' ', 'r', CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE,
        REFERENCED_TABLE_NAME)
    FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()
    UNION ALL SELECT TABLE_NAME, CONCAT_WS(' ', 'x', CONSTRAINT_NAME, CHECK_CLAUSE)
    FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()
    UNION ALL SELECT TABLE_NAME, CONCAT_WS(' ', 't', TABLE_TYPE, ENGINE, TABLE_COLLATION,
        CREATE_OPTIONS, TABLE_COMMENT)
    FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()
    """
)


# The schema's objects a snapshot lists, each kind as the inspector would find it: tables,
# views, sequences that are not a column's (SERIAL, IDENTITY), enum types with their labels.
_POSTGRESQL_OBJECTS = text(
    """
    SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'S' THEN 'sequence' ELSE 'table' END,
        c.relname, NULL
    FROM pg_class c
    WHERE c.relkind IN ('r', 'p', 'v', 'S') AND c.relnamespace = current_schema()::regnamespace
    AND NOT (c.relkind = 'S' AND EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid
        AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
    UNION ALL SELECT 'enum type', t.typname,
        string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder)
    FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
    WHERE t.typnamespace = current_schema()::regnamespace GROUP BY t.typname
    """
)


def schema_objects(conn: Connection) -> dict[str, dict[str, str]] | None:
    """Kind (``table``, ``view``, ``sequence``, ``enum type``) to name to description, in
    one query; None where the inspector is asked kind by kind instead (all but PostgreSQL)."""
    if conn.dialect.name != "postgresql":
        return None
    found: dict[str, dict[str, str]] = {"table": {}, "view": {}, "sequence": {}, "enum type": {}}
    for kind, name, description in conn.execute(_POSTGRESQL_OBJECTS):
        found[kind][name] = description or ""
    return found


def table_fingerprints(conn: Connection, tables: list[str]) -> dict[str, str] | None:
    """A text per table of ``tables`` that changes when the table does; None if this
    database has no cheap way to tell."""
    name = conn.dialect.name
    if name == "sqlite":
        found: dict[str, str] = {name: sql for name, sql in conn.execute(_SQLITE)}
    elif name in ("postgresql", "mysql", "mariadb"):
        lines: dict[str, list[str]] = {}
        for table, line in conn.execute(_POSTGRESQL if name == "postgresql" else _MYSQL):
            lines.setdefault(table, []).append(str(line))
        found = {table: "\n".join(sorted(each)) for table, each in lines.items()}
    else:
        return None
    return {table: found.get(table, "") for table in tables}
