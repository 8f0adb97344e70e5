"""The models compared with the database: what differs, one readable line each.

Alembic's autogenerate does the comparison (types and server defaults included); this
module sets it up the way every command of this package needs it, and names what it finds:

* the tracking table is never compared;
* a table of the database that no model describes is not a difference: many databases hold
  tables of other apps or of the past, and ``--autogenerate`` never drops them;
* on PostgreSQL, the values of enum types are compared too (Alembic does not).

Alembic is imported when a comparison starts, never with this module.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..models.found import as_metadata_list, find_model_metadata, model_table_names
from .difference import Difference
from .false_differences import drop_false_differences
from .naming import name_everything

if TYPE_CHECKING:
    from alembic.operations.ops import UpgradeOps
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import MetaData
    from sqlalchemy.engine import Connection, Dialect

__all__ = ["Difference", "compare_models", "find_model_metadata"]


def compare_models(
    conn: Connection, metadata: MetaData | Sequence[MetaData], *, tracking_table: str
) -> list[Difference]:
    """Differences between the models and the database behind ``conn``.

    The tracking table and the tables no model describes are left out. Reads only:
    reflection queries, no lock, nothing written.
    """
    metadata_list = as_metadata_list(metadata)
    operations, _ = produce_operations(conn, metadata_list, tracking_table=tracking_table)
    diffs = operations.as_diffs()
    differences = [found for diff in diffs for found in differences_of(diff, conn.dialect)]
    if conn.dialect.name == "postgresql":
        from .enums import compare_enums

        differences += [change.difference() for change in compare_enums(conn, metadata_list)]
    return differences


def produce_operations(
    conn: Connection,
    metadata: list[MetaData],
    *,
    tracking_table: str,
    only: set[str] | None = None,
    keep_names: bool = False,
) -> tuple[UpgradeOps, list[str]]:
    """Alembic's operations from the models to the database, and what it warned of.

    Set up by :func:`comparison_context`, without the differences Alembic reports where
    there are none (see :mod:`.false_differences`). Every constraint and index is named (see
    :mod:`.naming`), unless ``keep_names``: a baseline keeps the names the database has.
    """
    from alembic.autogenerate import produce_migrations

    context = comparison_context(conn, metadata, tracking_table=tracking_table, only=only)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        script = produce_migrations(context, metadata)  # type: ignore[arg-type]
    operations = script.upgrade_ops
    assert operations is not None
    drop_false_differences(operations, metadata, conn.dialect)
    if not keep_names:
        name_everything(operations, metadata)
    return operations, [str(warning.message) for warning in caught]


def comparison_context(
    conn: Connection,
    metadata: list[MetaData],
    *,
    tracking_table: str,
    only: set[str] | None = None,
) -> MigrationContext:
    """Alembic's context for comparing ``metadata`` with the database behind ``conn``.

    Only the models' tables (or the tables ``only`` names) are reflected: the others (the
    tracking table, tables of other apps) cost no query and can never show up as dropped.
    """
    from alembic.runtime.migration import MigrationContext

    known = (model_table_names(metadata) if only is None else only) - {tracking_table}

    def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
        if type_ == "schema":
            return name is None  # the default schema, the one migrations run in
        if type_ == "table":
            return name in known
        return True

    def include_object(
        obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        return not (type_ == "table" and name not in known)

    return MigrationContext.configure(
        connection=conn,
        opts={
            "target_metadata": metadata,
            "compare_type": _compare_type,
            "compare_server_default": True,
            "include_name": include_name,
            "include_object": include_object,
            "render_as_batch": conn.dialect.name == "sqlite",
        },
    )


def _compare_type(
    context: MigrationContext,
    inspected_column: Any,
    metadata_column: Any,
    inspected_type: Any,
    metadata_type: Any,
) -> bool | None:
    """Alembic's comparison of types (None), but a string type with a length and one without
    differ: Alembic compares lengths only when both have one, so ``VARCHAR`` (unlimited on
    PostgreSQL) to ``VARCHAR(255)`` would pass unseen. MariaDB and MySQL have no
    ``VARCHAR`` without a length."""
    from sqlalchemy import Enum, String, Text

    if context.dialect.name not in ("postgresql", "sqlite"):
        return None
    types = (inspected_type, metadata_type)
    if not all(t._type_affinity is String and not isinstance(t, (Enum, Text)) for t in types):
        return None
    if (inspected_type.length is None) != (metadata_type.length is None):
        return True
    return None


def differences_of(diff: Any, dialect: Dialect) -> list[Difference]:
    """The :class:`Difference`\\ s of one of Alembic's diffs (a tuple, or a list of column
    changes)."""
    if isinstance(diff, list):
        return [found for change in diff for found in differences_of(change, dialect)]
    action = diff[0]
    if action in ("add_table", "remove_table"):
        sign = "+" if action == "add_table" else "-"
        return [Difference(f"{sign} table", diff[1].name, None)]
    if action in ("add_column", "remove_column"):
        column = diff[3]
        detail = type_text(column.type, dialect) if action == "add_column" else ""
        sign = "+" if action == "add_column" else "-"
        return [Difference(f"{sign} column", diff[2], column.name, detail)]
    if action.startswith("modify_"):
        _, _, table, column, _, old, new = diff
        if action == "modify_default" and _identity_not_kept(old, new, dialect):
            return []
        return [Difference("~ column", table, column, _modification(action, old, new, dialect))]
    if action in ("add_index", "remove_index"):
        index = diff[1]
        sign = "+" if action == "add_index" else "-"
        unique = "unique" if index.unique else ""
        return [Difference(f"{sign} index", index.table.name, index.name, unique)]
    if action in ("add_constraint", "remove_constraint", "add_fk", "remove_fk"):
        return [_constraint_difference(action, diff[1])]
    if action in ("add_table_comment", "remove_table_comment"):
        table = diff[1]
        return [Difference("~ table", table.name, None, "comment")]
    return [Difference("~", None, None, repr(diff))]


def type_text(type_: Any, dialect: Dialect) -> str:
    """A type as the database names it (``VARCHAR(255)``), or as Python does if it cannot."""
    try:
        return str(type_.compile(dialect=dialect))
    except Exception:  # a type of another database, or one that cannot compile alone
        return repr(type_)


def default_text(default: Any, dialect: Dialect) -> str:
    """A server default as SQL (``now()``), ``none`` for no default."""
    if default is None or default is False:
        return "none"
    arg = getattr(default, "arg", default)
    if isinstance(arg, str):
        return repr(arg) if hasattr(default, "arg") else arg
    text = getattr(arg, "text", None)
    if isinstance(text, str):  # a reflected default: drop PostgreSQL's cast of a literal
        return re.sub(r"^('(?:[^']|'')*')::[\w ]+$", r"\1", text)
    try:
        return str(arg.compile(dialect=dialect))
    except Exception:
        return repr(arg)


def _identity_not_kept(old: Any, new: Any, dialect: Dialect) -> bool:
    """An ``Identity()`` of a model on a database without identity columns (SQLite, MariaDB,
    MySQL): ``CREATE TABLE`` leaves it out there, for the autoincrement it stands for, so the
    database cannot show it and it is no difference."""
    from sqlalchemy import Identity

    either = isinstance(old, Identity) or isinstance(new, Identity)
    return either and not dialect.supports_identity_columns


def _modification(action: str, old: Any, new: Any, dialect: Dialect) -> str:
    if action == "modify_type":
        return f"{type_text(old, dialect)} -> {type_text(new, dialect)}"
    if action == "modify_nullable":
        return f"{'NULL' if old else 'NOT NULL'} -> {'NULL' if new else 'NOT NULL'}"
    if action == "modify_default":
        return f"default {default_text(old, dialect)} -> {default_text(new, dialect)}"
    if action == "modify_comment":
        return f"comment {old!r} -> {new!r}"
    return f"{action.removeprefix('modify_')} {old!r} -> {new!r}"


def _constraint_difference(action: str, constraint: Any) -> Difference:
    sign = "+" if action.startswith("add") else "-"
    table = constraint.table.name
    columns = ", ".join(c.name for c in constraint.columns)
    if action.endswith("_fk"):
        # target_fullname is "table.column" without needing the referred table reflected.
        targets = [e.target_fullname.rpartition(".") for e in constraint.elements]
        referred = targets[0][0] if targets else "?"
        detail = f"{table} ({columns}) -> {referred} ({', '.join(t[2] for t in targets)})"
        return Difference(f"{sign} foreign key", table, constraint.name, detail)
    kind = "unique" if type(constraint).__name__ == "UniqueConstraint" else "constraint"
    detail = "" if constraint.name else f"{table} ({columns})"
    return Difference(f"{sign} {kind}", table, constraint.name, detail)
