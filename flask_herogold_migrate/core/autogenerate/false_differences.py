"""Differences Alembic reports that are none, dropped before anyone sees them.

Each would be reported after every migration, however often the database is migrated, so
a check could never pass and autogenerate would write the same migration again and again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alembic.operations.ops import UpgradeOps
    from sqlalchemy import MetaData, Table
    from sqlalchemy.engine import Dialect


def drop_false_differences(
    operations: UpgradeOps, metadata: list[MetaData], dialect: Dialect
) -> None:
    """Drop from ``operations`` (Alembic's, in place) what is no difference:

    * a server default the database spells otherwise (MariaDB gives back
      ``current_timestamp()`` for ``now()``, ``1`` for ``true``);
    * on SQLite, a table made with ``id INTEGER PRIMARY KEY``: its key is the rowid, never
      NULL, but reflects as nullable;
    * an identity column (``sa.Identity()``, as migrations write auto-numbered keys) where
      the model has an auto-numbered key without saying how: both number the rows.
    """
    from alembic.operations.ops import AlterColumnOp, ModifyTableOps

    tables = {t.name: t for item in metadata for t in item.tables.values()}
    for group in operations.ops:
        if not isinstance(group, ModifyTableOps):
            continue
        table = tables.get(group.table_name)
        rowid = _rowid_column(table) if table is not None and dialect.name == "sqlite" else None
        numbered = _auto_numbered_column(table)
        for op in list(group.ops):
            if not isinstance(op, AlterColumnOp):
                continue
            if op.column_name == rowid and op.modify_nullable is False:
                op.modify_nullable = None
            if op.modify_server_default is not False and (
                _same_default(op.existing_server_default, op.modify_server_default, dialect)
                or (
                    op.column_name == numbered
                    and op.modify_server_default is None
                    and type(op.existing_server_default).__name__ == "Identity"
                )
            ):
                op.modify_server_default = False
            if not op.has_changes():
                group.ops.remove(op)
    operations.ops[:] = [g for g in operations.ops if not isinstance(g, ModifyTableOps) or g.ops]


def _same_default(reflected: Any, modelled: Any, dialect: Dialect) -> bool:
    if reflected in (None, False) or modelled in (None, False):
        return False
    return _normal_default(default_sql(reflected, dialect)) == _normal_default(
        default_sql(modelled, dialect)
    )


def default_sql(default: Any, dialect: Dialect) -> str:
    """A server default as the SQL it stands for: a string is a quoted literal."""
    arg = getattr(default, "arg", default)
    if isinstance(arg, str):
        return "'" + arg.replace("'", "''") + "'"
    text = getattr(arg, "text", None)
    if isinstance(text, str):
        return text
    try:
        return str(arg.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    except Exception:  # an expression this dialect cannot compile alone
        return repr(arg)


def _auto_numbered_column(table: Table | None) -> str | None:
    """The model's auto-numbered key, if it leaves how to the database (no Identity)."""
    column = None if table is None else table.autoincrement_column
    if column is None or column.identity is not None or column.server_default is not None:
        return None
    return column.name


def _rowid_column(table: Table) -> str | None:
    """The column that is SQLite's rowid: a primary key of one INTEGER column."""
    from sqlalchemy import Integer

    key = list(table.primary_key.columns)
    if len(key) == 1 and key[0].type._type_affinity is Integer:
        return key[0].name
    return None


#: Spellings a database gives back for what a model wrote otherwise: the same default.
_SAME_DEFAULT = {
    "now()": "current_timestamp",
    "current_timestamp()": "current_timestamp",
    "true": "1",
    "false": "0",
}


def _normal_default(text: str) -> str:
    text = text.strip().lower()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    text = text.strip("'\"")
    return _SAME_DEFAULT.get(text, text)
