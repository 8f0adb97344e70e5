"""What a generated migration cannot do by itself: each a ``# TODO`` in the file and a warning.

Alembic renders operations that run on an empty table but fail on one with rows (a NOT
NULL column without a default), casts PostgreSQL refuses to guess, and types a migration
cannot import. None of it is dropped silently: the person generating is told, and the file
says where.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .type_changes import added_not_null_problem, not_null_problem, type_change_problems

if TYPE_CHECKING:
    from alembic.operations.ops import MigrateOperation
    from sqlalchemy.engine import Dialect

    from .enums import EnumChange


@dataclass(frozen=True)
class Todo:
    """Something to finish by hand in a generated migration."""

    message: str
    #: The table whose operations it is about (the comment goes just before them); None for
    #: the migration as a whole (the top of ``up()``).
    table: str | None = None


def find_todos(
    operations: Sequence[MigrateOperation],
    dialect: Dialect,
    changed_enums: Sequence[EnumChange] = (),
) -> list[Todo]:
    """What in ``operations`` (and the enum changes) may not run as generated."""
    from alembic.operations.ops import AddColumnOp, AlterColumnOp, ModifyTableOps

    todos = []
    for group in operations:
        table = getattr(group, "table_name", None)
        for column, type_ in _typed_columns(group):
            todos += [Todo(m, table) for m in _type_problems(type_, f"{table}.{column}")]
        if not isinstance(group, ModifyTableOps):
            continue
        for op in group.ops:
            if isinstance(op, AddColumnOp) and _needs_a_value(op.column):
                todos.append(Todo(added_not_null_problem(str(table), op.column.name), table))
            if isinstance(op, AlterColumnOp):
                todos += [Todo(m, table) for m in _alteration_problems(op, dialect)]
    for change in changed_enums:
        if not change.only_adds_values and change.old is not None:
            removed = [value for value in change.old if value not in change.new]
            what = f"loses {', '.join(map(repr, removed))}" if removed else "reorders its values"
            todos.append(
                Todo(
                    f"The enum type {change.name} {what}: up() recreates it, and fails on any "
                    "row holding a value it no longer has. Update those rows first (in up(), "
                    "before the type is recreated)."
                )
            )
    return todos


def _typed_columns(group: Any) -> Iterator[tuple[str, Any]]:
    """``(column, type)`` of each column an operation (or a table's operations) creates or
    changes the type of."""
    from alembic.operations.ops import AddColumnOp, AlterColumnOp, CreateTableOp, ModifyTableOps
    from sqlalchemy import Column

    if isinstance(group, CreateTableOp):
        yield from ((c.name, c.type) for c in group.columns if isinstance(c, Column))
    elif isinstance(group, ModifyTableOps):
        for op in group.ops:
            if isinstance(op, AddColumnOp):
                yield op.column.name, op.column.type
            elif isinstance(op, AlterColumnOp) and op.modify_type is not None:
                yield op.column_name, op.modify_type


def _needs_a_value(column: Any) -> bool:
    return (
        not column.nullable
        and column.server_default is None
        and column.computed is None
        and column.identity is None
    )


def _alteration_problems(op: Any, dialect: Dialect) -> list[str]:
    problems = []
    if op.modify_nullable is False:
        problems.append(not_null_problem(op, dialect))
    old, new = op.existing_type, op.modify_type
    if dialect.name == "postgresql" and new is not None and old is not None:
        from .enums import native_enum

        if native_enum(old) or native_enum(new):
            problems.append(
                f"{op.table_name}.{op.column_name} changes to or from an enum type: PostgreSQL "
                'needs to be told how to convert it: add postgresql_using="..." to its '
                "alter_column."
            )
    return problems + type_change_problems(op, dialect)


def _type_problems(type_: Any, where: str) -> list[str]:
    """Types the migration could not import as rendered (defined in a script or a function)."""
    problems = []
    for found in _types_within(type_):
        cls = type(found)
        module = cls.__module__
        if module.startswith("sqlalchemy."):
            continue
        if module == "__main__" or "." in cls.__qualname__:
            problems.append(
                f"{where} has the type {cls.__qualname__}, defined where a migration cannot "
                f"import it (in {module}, inside a function or a class): move it to a module "
                "and import it in the migration."
            )
    return problems


def _types_within(type_: Any) -> Iterator[Any]:
    yield type_
    item = getattr(type_, "item_type", None)
    if item is not None:
        yield from _types_within(item)
    for variant in getattr(type_, "_variant_mapping", {}).values():
        yield from _types_within(variant)
