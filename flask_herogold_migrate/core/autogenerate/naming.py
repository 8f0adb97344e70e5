"""Names for the constraints and indexes a generated migration creates or drops.

A constraint without a name can be created (the database makes one up), but not dropped
by name: ``down()`` fails on PostgreSQL and MariaDB, and SQLite's batch mode cannot even
rebuild a table around one. So each gets a name before the file is rendered: the one the
models' naming convention gives, else one in the style of SQLAlchemy's default convention
(``uq_users_email``, ``fk_posts_user_id_users``). The names are computed by SQLAlchemy's own
convention machinery on a copy, so the models are never changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alembic.operations.ops import MigrateOperation, UpgradeOps
    from sqlalchemy import Constraint, MetaData, Table

#: In the style of SQLAlchemy's default ``ix_%(column_0_label)s``; every column is named, so
#: two constraints starting with the same column do not clash.
DEFAULT_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
}

#: The convention key of each kind of constraint Alembic names in its operations.
_KEYS = {"unique": "uq", "foreignkey": "fk"}


#: Attribute of a ``ModifyTableOps`` (SQLite's batch mode): the convention its batch rebuild
#: names the reflected constraints by.
BATCH_CONVENTION = "herogold_batch_convention"


def convention_of(metadata: Sequence[MetaData]) -> dict[str, Any]:
    """The default convention, with the keys the models' own conventions set."""
    convention: dict[str, Any] = dict(DEFAULT_CONVENTION)
    for item in metadata:
        convention.update({k: v for k, v in item.naming_convention.items() if isinstance(k, str)})
    return convention


def name_everything(operations: UpgradeOps, metadata: Sequence[MetaData]) -> None:
    """Give every unnamed constraint and index of ``operations`` (Alembic's, in place) its
    name. A drop of an unnamed constraint the database has (SQLite keeps them unnamed) is
    named as the convention names it, and its group notes the convention, for the batch
    rebuild to name the reflected constraint so."""
    from alembic.operations.ops import (
        AddConstraintOp,
        CreateIndexOp,
        CreateTableOp,
        DropConstraintOp,
        ModifyTableOps,
    )

    convention = convention_of(metadata)
    for op in operations.ops:
        if isinstance(op, CreateTableOp):
            _name_table(op, convention)
        elif isinstance(op, CreateIndexOp):
            _name_index(op, convention)
        elif isinstance(op, ModifyTableOps):
            for inner in op.ops:
                if isinstance(inner, CreateIndexOp):
                    _name_index(inner, convention)
                elif isinstance(inner, AddConstraintOp):
                    _name_added(inner, convention)
                elif isinstance(inner, DropConstraintOp) and inner.constraint_name is None:
                    key = _KEYS.get(str(inner.constraint_type))
                    added: Any = inner._reverse
                    if key is not None and added is not None:
                        _name_added(added, convention)
                        inner.constraint_name = added.constraint_name
                        batch = getattr(op, BATCH_CONVENTION, {})
                        setattr(op, BATCH_CONVENTION, {**batch, key: convention[key]})


def unnamed(operations: Sequence[MigrateOperation]) -> list[str]:
    """What is still unnamed in ``operations`` (a convention that cannot name it): one line
    each, said instead of Alembic's warning."""
    from alembic.operations.ops import (
        AddConstraintOp,
        CreateIndexOp,
        DropConstraintOp,
        ModifyTableOps,
    )

    found = []
    for op in operations:
        inner_ops = op.ops if isinstance(op, ModifyTableOps) else [op]
        for inner in inner_ops:
            table = getattr(inner, "table_name", None) or getattr(inner, "source_table", "?")
            if isinstance(inner, (AddConstraintOp, DropConstraintOp)) and not getattr(
                inner, "constraint_name", None
            ):
                kind = f"{inner.constraint_type} " if inner.constraint_type else ""
                if isinstance(inner, DropConstraintOp):
                    found.append(
                        f"A {kind}constraint of {table} is dropped without its name, which "
                        "fails: write the name the database gave it in the file."
                    )
                else:
                    found.append(
                        f"A {kind}constraint on {table} has no name, and down() cannot drop "
                        "it without one: give it a name in the model (or a naming convention "
                        "to the metadata) and write its name in the file."
                    )
            elif isinstance(inner, CreateIndexOp) and not inner.index_name:
                found.append(
                    f"An index on {table} has no name: give it one in the model and in the file."
                )
    return found


def _name_table(op: Any, convention: Mapping[str, Any]) -> None:
    """The table's constraints, on a copy of it named by ``convention``."""
    from sqlalchemy import Constraint, MetaData, PrimaryKeyConstraint

    constraints = [c for c in op.columns if isinstance(c, Constraint)]
    if all(c.name or isinstance(c, PrimaryKeyConstraint) for c in constraints):
        return
    table: Table = op.to_table()
    copy = table.to_metadata(MetaData(naming_convention=dict(convention)))
    op.columns = [*copy.columns, *copy.constraints]


def _name_added(op: Any, convention: Mapping[str, Any]) -> None:
    if op.constraint_name is None:
        key = _KEYS.get(str(op.constraint_type))
        if key is not None:
            op.constraint_name = _convention_name(op.to_constraint(), convention)


def _name_index(op: Any, convention: Mapping[str, Any]) -> None:
    from sqlalchemy import Column, Index, MetaData

    if op.index_name is not None:
        return
    index = op.to_index()
    if not all(isinstance(c, Column) for c in index.expressions):
        return  # an expression index: the convention has no column to name it by
    assert index.table is not None
    copy = index.table.to_metadata(MetaData(naming_convention=dict(convention)))
    named = Index(None, *(copy.c[c.name] for c in index.expressions), unique=index.unique)
    op.index_name = _as_conv(named.name)


def _convention_name(constraint: Constraint, convention: Mapping[str, Any]) -> Any:
    """``constraint`` (on a table of its own, as Alembic builds it) named by ``convention``."""
    from sqlalchemy import MetaData

    table = constraint.table
    copy = table.to_metadata(MetaData(naming_convention=dict(convention)))
    names = [other.name for other in copy.constraints if type(other) is type(constraint)]
    return _as_conv(names[0]) if names and names[0] else None


def _as_conv(name: Any) -> Any:
    """A name rendered ``op.f("...")``: used as it is, never converted again."""
    from sqlalchemy.sql.elements import conv

    return None if name is None else conv(str(name))
