"""MariaDB and MySQL: an index a foreign key takes over, dropped in ``down()`` without failing.

A foreign key needs an index starting with its columns; the server makes one when the key
is created, and drops it when a new index starting with the same columns comes, which the
key then uses. ``down()`` dropping that new index fails while the key stands ("needed in a
foreign key constraint"): the rollback stops part-way and is recorded ``failed``. So such a
``down()`` drops the key first, then the index, then creates the key again as it was (the
server makes it an index of its own again).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alembic.operations.ops import MigrateOperation, UpgradeOps
    from sqlalchemy import MetaData
    from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class KeyIndex:
    """An index ``up()`` creates on ``table`` that the foreign key ``key`` will use."""

    table: str
    index: str
    key: str
    columns: tuple[str, ...]
    referred_table: str
    referred_columns: tuple[str, ...]
    options: tuple[tuple[str, Any], ...] = ()


def find_key_indexes(
    conn: Connection, operations: UpgradeOps, metadata: Sequence[MetaData]
) -> list[KeyIndex]:
    """The indexes of ``operations`` that a foreign key of the database will take over."""
    from sqlalchemy import inspect

    if conn.dialect.name != "mysql":
        return []
    existing = set(inspect(conn).get_table_names())
    found = []
    reflected: dict[str, list[Any]] = {}
    for op in _created_indexes(operations.ops):
        if op.table_name not in existing or not op.index_name:
            continue
        columns = [getattr(c, "name", c) for c in op.columns]
        if op.table_name not in reflected:
            reflected[op.table_name] = inspect(conn).get_foreign_keys(op.table_name)
        for key in reflected[op.table_name]:
            constrained = list(key["constrained_columns"])
            if key.get("name") and columns[: len(constrained)] == constrained:
                found.append(
                    KeyIndex(
                        op.table_name,
                        str(op.index_name),
                        key["name"],
                        tuple(constrained),
                        key["referred_table"],
                        tuple(key["referred_columns"]),
                        tuple(sorted((key.get("options") or {}).items())),
                    )
                )
    return found


def guard_drops(operations: list[MigrateOperation], guarded: Sequence[KeyIndex]) -> None:
    """In ``down()``'s operations (in place): each guarded index dropped between dropping its
    foreign key and creating it again."""
    from alembic.operations.ops import (
        CreateForeignKeyOp,
        DropConstraintOp,
        DropIndexOp,
        ModifyTableOps,
    )

    by_index = {(g.table, g.index): g for g in guarded}
    for group in operations:
        inner = group.ops if isinstance(group, ModifyTableOps) else None
        if inner is None:
            continue
        for op in list(inner):
            guard = by_index.get(
                (str(getattr(op, "table_name", "")), str(getattr(op, "index_name", "")))
            )
            if not isinstance(op, DropIndexOp) or guard is None:
                continue
            at = inner.index(op)
            inner.insert(at, DropConstraintOp(guard.key, guard.table, type_="foreignkey"))
            create = CreateForeignKeyOp(
                guard.key,
                guard.table,
                guard.referred_table,
                list(guard.columns),
                list(guard.referred_columns),
                **dict(guard.options),
            )
            inner.insert(at + 2, create)


def _created_indexes(operations: Sequence[MigrateOperation]) -> Iterator[Any]:
    from alembic.operations.ops import CreateIndexOp, ModifyTableOps

    for op in operations:
        if isinstance(op, CreateIndexOp):
            yield op
        elif isinstance(op, ModifyTableOps):
            yield from (inner for inner in op.ops if isinstance(inner, CreateIndexOp))


def without_drops_of_dropped_tables(operations: list[MigrateOperation]) -> list[MigrateOperation]:
    """``down()``'s operations without dropping the indexes of a table it drops anyway.

    Dropping the table drops them; and on MariaDB and MySQL an index a foreign key of the
    table uses cannot be dropped before the key, so a baseline's ``down()`` would fail.
    """
    from alembic.operations.ops import DropIndexOp, DropTableOp, ModifyTableOps

    dropped = {op.table_name for op in operations if isinstance(op, DropTableOp)}
    kept: list[MigrateOperation] = []
    for op in operations:
        if isinstance(op, DropIndexOp) and op.table_name in dropped:
            continue
        if isinstance(op, ModifyTableOps) and op.table_name in dropped:
            op.ops = [inner for inner in op.ops if not isinstance(inner, DropIndexOp)]
            if not op.ops:
                continue
        kept.append(op)
    return kept
