"""A cheap text per table that changes whenever the table does: what a snapshot need not
reflect again.

The round-trip check takes three snapshots per migration, and a migration touches a table or
two: reflecting every table each time would make the check's cost grow with the square of the
number of migrations. Each database keeps its schema in a form that is cheap to read whole:

* SQLite, the ``CREATE`` statements of ``sqlite_master`` (a table's, its indexes' and
  triggers'), which every change to the table rewrites;
* PostgreSQL, the catalog: each column with its type, nullability, identity, generation,
  default and comment, each constraint's and index's definition, in one query;
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

_POSTGRESQL = text(
    """
    SELECT c.relname, concat_ws(E'\\n',
        (SELECT string_agg(concat_ws(' ', a.attname, format_type(a.atttypid, a.atttypmod),
                a.attnotnull, a.attidentity, a.attgenerated, pg_get_expr(d.adbin, d.adrelid),
                col_description(c.oid, a.attnum)), ', ' ORDER BY a.attnum)
         FROM pg_attribute a
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
        (SELECT string_agg(con.conname || ' ' || pg_get_constraintdef(con.oid), ', '
                ORDER BY con.conname)
         FROM pg_constraint con WHERE con.conrelid = c.oid),
        (SELECT string_agg(pg_get_indexdef(i.indexrelid), ', '
                ORDER BY pg_get_indexdef(i.indexrelid))
         FROM pg_index i WHERE i.indrelid = c.oid))
    FROM pg_class c
    WHERE c.relkind IN ('r', 'p') AND c.relnamespace = current_schema()::regnamespace
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


def table_fingerprints(conn: Connection, tables: list[str]) -> dict[str, str] | None:
    """A text per table of ``tables`` that changes when the table does; None if this
    database has no cheap way to tell."""
    name = conn.dialect.name
    if name == "sqlite":
        found: dict[str, str] = {name: sql for name, sql in conn.execute(_SQLITE)}
    elif name == "postgresql":
        found = {name: sql for name, sql in conn.execute(_POSTGRESQL)}
    elif name in ("mysql", "mariadb"):
        lines: dict[str, list[str]] = {}
        for table, line in conn.execute(_MYSQL):
            lines.setdefault(table, []).append(str(line))
        found = {table: "\n".join(sorted(each)) for table, each in lines.items()}
    else:
        return None
    return {table: found.get(table, "") for table in tables}
