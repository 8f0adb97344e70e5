"""Renames: what Alembic sees as a drop and an add, which may be one thing renamed.

A comparison cannot tell a renamed column from a column dropped and another added: both
leave a name the database has and the models lack, and one the models have and the
database lacks. Dropping loses the column's data, so, as Django's ``makemigrations`` does,
each likely pair is a question: in one table, a column dropped and one added (those with a
type of the same kind first); a table no model describes and a new table with the same
columns. Only a person's yes turns a pair into ``alter_column(new_column_name=...)`` or
``rename_table()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from alembic.operations.ops import AlterColumnOp, MigrateOperation, RenameTableOp, UpgradeOps
    from sqlalchemy import Column, Table
    from sqlalchemy.engine import Dialect


@dataclass(frozen=True)
class RenameCandidate:
    """A drop and an add that may be a rename: a question for the person generating."""

    kind: Literal["column", "table"]
    #: The table of a column; for a table, its old name.
    table: str
    old: str
    new: str
    #: For a column: whether its type changes kind too (the rename then converts its values).
    retyped: bool = field(default=False, compare=False)
    #: For a table: what to change once it is renamed, as a comparison of the new model with
    #: the old table found (indexes and constraints named after the old table, say).
    follow_up: tuple[Any, ...] = field(default=(), compare=False, hash=False)

    def question(self) -> str:
        if self.kind == "column":
            also = " (and change its type)" if self.retyped else ""
            return f"Did you rename {self.table}.{self.old} to {self.table}.{self.new}{also}?"
        return f"Did you rename the table {self.old} to {self.new}?"

    def describe(self) -> str:
        if self.kind == "column":
            return f"{self.table}.{self.old} -> {self.table}.{self.new}"
        return f"table {self.old} -> {self.new}"

    def takes(self, other: RenameCandidate) -> bool:
        """Whether saying yes to this one rules ``other`` out (they share a name)."""
        if self.kind != other.kind or (self.kind == "column" and self.table != other.table):
            return False
        return self.old == other.old or self.new == other.new


def column_candidates(upgrade_ops: UpgradeOps) -> list[RenameCandidate]:
    """In each table, each column dropped and each column added with a type of its kind."""
    from alembic.operations.ops import AddColumnOp, DropColumnOp, ModifyTableOps

    found = []
    for group in upgrade_ops.ops:
        if not isinstance(group, ModifyTableOps):
            continue
        added = [op.column for op in group.ops if isinstance(op, AddColumnOp)]
        dropped = [op.to_column() for op in group.ops if isinstance(op, DropColumnOp)]
        pairs = [(old, new) for new in added for old in dropped]
        # A column renamed and given another type (Text to JSON) loses its values just the
        # same when dropped: asked too, after the pairs of one kind.
        pairs.sort(key=lambda pair: not same_kind(pair[0].type, pair[1].type))
        for old, new in pairs:
            retyped = not same_kind(old.type, new.type)
            found.append(
                RenameCandidate("column", group.table_name, old.name, new.name, retyped=retyped)
            )
    return found


def table_candidates(
    upgrade_ops: UpgradeOps, unknown: Mapping[str, Table]
) -> list[tuple[RenameCandidate, Table]]:
    """Each new model table whose columns a table no model describes has, name for name."""
    from alembic.operations.ops import CreateTableOp

    found = []
    for op in upgrade_ops.ops:
        if not isinstance(op, CreateTableOp):
            continue
        new_table = op.to_table()
        for old_name, old_table in unknown.items():
            if _same_columns(old_table, new_table):
                candidate = RenameCandidate("table", old_name, old_name, op.table_name)
                found.append((candidate, old_table))
    return found


def same_kind(old: Any, new: Any) -> bool:
    """Whether a column of type ``old`` holds what one of type ``new`` does (strings and
    strings, integers and integers, whatever the length). An enum is only like an enum. A
    boolean is like an integer: MariaDB and MySQL store one as ``TINYINT(1)``, which is how
    reflection gives it back."""
    from sqlalchemy import Boolean, Enum, Integer

    if isinstance(old, Enum) != isinstance(new, Enum):
        return False

    def kind(type_: Any) -> Any:
        affinity = type_._type_affinity
        return Integer if affinity is Boolean else affinity

    return bool(kind(old) is kind(new))


def _same_columns(old: Table, new: Table) -> bool:
    old_columns: dict[str, Column[Any]] = {c.name: c for c in old.columns}
    new_columns: dict[str, Column[Any]] = {c.name: c for c in new.columns}
    if old_columns.keys() != new_columns.keys():
        return False
    return all(same_kind(old_columns[n].type, new_columns[n].type) for n in old_columns)


def apply_renames(
    upgrade_ops: UpgradeOps, accepted: Iterable[RenameCandidate], dialect: Dialect
) -> list[MigrateOperation]:
    """The operations of ``upgrade_ops`` with each accepted rename in place of its drop and
    add. The operations given are not changed: the plan stays as it was."""
    from alembic.operations.ops import (
        AddColumnOp,
        CreateIndexOp,
        CreateTableOp,
        DropColumnOp,
        ModifyTableOps,
    )

    columns = {(c.table, c.old): c for c in accepted if c.kind == "column"}
    added = {(c.table, c.new): c for c in columns.values()}
    tables = {c.new: c for c in accepted if c.kind == "table"}
    result: list[MigrateOperation] = []
    for op in upgrade_ops.ops:
        if isinstance(op, CreateTableOp) and op.table_name in tables:
            candidate = tables[op.table_name]
            result.append(_rename_table_op(candidate.old, candidate.new))
            result.extend(candidate.follow_up)
            continue
        if isinstance(op, (CreateIndexOp, ModifyTableOps)) and op.table_name in tables:
            continue  # the new table's indexes: the follow-up compared them already
        if not isinstance(op, ModifyTableOps):
            result.append(op)
            continue
        dropped = {o.column_name: o.to_column() for o in op.ops if isinstance(o, DropColumnOp)}
        renamed: list[MigrateOperation] = []
        kept: list[MigrateOperation] = []
        for inner in op.ops:
            if isinstance(inner, DropColumnOp) and (op.table_name, inner.column_name) in columns:
                continue
            if isinstance(inner, AddColumnOp) and (op.table_name, inner.column.name) in added:
                candidate = added[(op.table_name, inner.column.name)]
                old = dropped[candidate.old]
                renamed.append(_rename_column_op(op.table_name, old, inner.column, dialect))
                continue
            kept.append(inner)
        # Renames go first, in a group of their own: what follows (an index on the new name)
        # names the columns as they are once renamed, and SQLite's batch mode cannot rename a
        # column and use its new name in one rebuild.
        for group in (renamed, kept):
            if group:
                result.append(ModifyTableOps(op.table_name, group, schema=op.schema))
    return result


def reverse_operations(operations: list[MigrateOperation]) -> list[MigrateOperation]:
    """The operations undoing ``operations``, last first, but with each table's columns
    renamed back before anything else is done to it (as renames go first in ``up()``)."""
    from alembic.operations.ops import ModifyTableOps, UpgradeOps

    reversed_ops = list(UpgradeOps(ops=operations).reverse().ops)
    rename_class = _rename_column_class()
    for group in [g for g in reversed_ops if isinstance(g, ModifyTableOps)]:
        if not group.ops or not all(isinstance(o, rename_class) for o in group.ops):
            continue
        reversed_ops.remove(group)
        first = next(
            i
            for i, other in enumerate([*reversed_ops, group])
            if other is group or getattr(other, "table_name", None) == group.table_name
        )
        reversed_ops.insert(first, group)
    return reversed_ops


def still_open(candidate: RenameCandidate, answers: Mapping[RenameCandidate, bool]) -> bool:
    """Whether ``candidate`` is still a question once ``answers`` are given: not answered,
    and no yes already took one of its names."""
    if candidate in answers:
        return False
    return not any(yes and other.takes(candidate) for other, yes in answers.items())


def retarget(operations: Iterable[MigrateOperation], table: str) -> list[MigrateOperation]:
    """``operations`` (of one table) made to apply to the table named ``table``."""
    retargeted = []
    for op in operations:
        for attribute in ("table_name", "source_table"):
            if hasattr(op, attribute):
                setattr(op, attribute, table)
        inner = getattr(op, "ops", None)
        if inner is not None:
            retarget(inner, table)
        reverse = getattr(op, "_reverse", None)
        if reverse is not None:
            retarget([reverse], table)
        retargeted.append(op)
    return retargeted


def _rename_column_op(
    table: str, old: Column[Any], new: Column[Any], dialect: Dialect
) -> MigrateOperation:
    from .compare import type_text

    changes: dict[str, Any] = {}
    if type_text(old.type, dialect) != type_text(new.type, dialect):
        changes["modify_type"] = new.type
    if old.nullable != new.nullable:
        changes["modify_nullable"] = new.nullable
    return _rename_column_class()(
        table,
        old.name,
        modify_name=new.name,
        existing_type=old.type,
        existing_nullable=old.nullable,
        existing_server_default=old.server_default if old.server_default is not None else False,
        # MariaDB and MySQL rewrite the whole column to rename it: what is not restated is lost.
        existing_comment=old.comment,
        **changes,
    )


@cache
def _rename_column_class() -> type[AlterColumnOp]:
    from alembic.operations.ops import AlterColumnOp

    class RenameColumnOp(AlterColumnOp):
        """``alter_column(new_column_name=...)``, whose reverse renames back (Alembic's
        reverse of an alter_column keeps the new name)."""

        def reverse(self) -> AlterColumnOp:
            assert self.modify_name is not None
            back = super().reverse()
            back.column_name, back.modify_name = self.modify_name, self.column_name
            return back

    return RenameColumnOp


def _rename_table_op(old: str, new: str) -> MigrateOperation:
    return _rename_table_class()(old, new)


@cache
def _rename_table_class() -> type[RenameTableOp]:
    from alembic.operations.ops import RenameTableOp

    class ReversibleRenameTableOp(RenameTableOp):
        """``rename_table()``, which Alembic's autogenerate never writes, so has no reverse."""

        def reverse(self) -> RenameTableOp:
            return ReversibleRenameTableOp(self.new_table_name, self.table_name)

    return ReversibleRenameTableOp
