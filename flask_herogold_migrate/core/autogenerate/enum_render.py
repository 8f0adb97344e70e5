"""The lines of a generated migration that create and change PostgreSQL enum types.

Columns are rendered with ``create_type=False``, and each type is created here, before the
first table that uses it, and dropped after the last one (in ``down()``): ``create_table``
would otherwise create a type another table already made, and ``add_column`` creates none.

A value added to a type is ``ALTER TYPE ... ADD VALUE``, which touches no row. PostgreSQL
cannot remove a value, so going back (or removing one) recreates the type: rename the old
one, create the new one, convert each column through text, drop the old one. A row holding
a value the new type lacks makes that fail, and the migration is rolled back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect

    from .enums import EnumChange


def enum_type(name: str, values: tuple[str, ...]) -> str:
    """The type as the file writes it: ``postgresql.ENUM("a", "b", name="kind", ...)``."""
    listed = "".join(f"{value!r}, " for value in values)
    return f"postgresql.ENUM({listed}name={name!r}, create_type=False)"


def create_lines(change: EnumChange) -> list[str]:
    return [f"{_plain_type(change.name, change.new)}.create(op.get_bind())"]


def drop_lines(change: EnumChange) -> list[str]:
    return [f"{_plain_type(change.name, change.new)}.drop(op.get_bind())"]


def change_lines(change: EnumChange, dialect: Dialect, *, backwards: bool = False) -> list[str]:
    """From the database's values to the models' (or back, for ``down()``)."""
    assert change.old is not None
    old, new = (change.new, change.old) if backwards else (change.old, change.new)
    if not backwards and change.only_adds_values:
        return _add_value_lines(change.name, old, new, dialect)
    return _recreate_lines(change, new, dialect, backwards=backwards)


def _add_value_lines(
    name: str, old: tuple[str, ...], new: tuple[str, ...], dialect: Dialect
) -> list[str]:
    quote = dialect.identifier_preparer.quote
    lines = [f"# Values added to the enum type {name}; down() recreates it without them."]
    present = list(old)
    for position, value in enumerate(new):
        if value in present:
            continue
        where = (
            f" AFTER {_literal(new[position - 1])}"
            if position
            else f" BEFORE {_literal(present[0])}"
            if present
            else ""
        )
        lines.append(
            f"op.execute({f'ALTER TYPE {quote(name)} ADD VALUE {_literal(value)}{where}'!r})"
        )
        present.insert(position, value)
    return lines


def _recreate_lines(
    change: EnumChange, values: tuple[str, ...], dialect: Dialect, *, backwards: bool
) -> list[str]:
    quote = dialect.identifier_preparer.quote
    name = quote(change.name)
    old_name = quote(f"{change.name}_old")
    gone = [v for v in (change.new if backwards else change.old or ()) if v not in values]
    why = (
        f"PostgreSQL cannot remove a value from an enum type: {change.name} is recreated"
        + (f" without {', '.join(map(repr, gone))}" if gone else " with its values reordered")
        + ", and rows holding a removed value make this fail."
    )
    lines = [f"# {why}"]
    lines.append(f"op.execute({f'ALTER TYPE {name} RENAME TO {old_name}'!r})")
    lines.append(f"{_plain_type(change.name, values)}.create(op.get_bind())")
    for column in change.columns:
        alter = f"ALTER TABLE {quote(column.table)} ALTER COLUMN {quote(column.column)}"
        if column.default is not None:
            lines.append(f"op.execute({f'{alter} DROP DEFAULT'!r})")
        using = f"{quote(column.column)}::text::{name}"
        lines.append(f"op.execute({f'{alter} TYPE {name} USING {using}'!r})")
        if column.default is not None:
            lines.append(f"op.execute({f'{alter} SET DEFAULT {column.default}'!r})")
    lines.append(f"op.execute({f'DROP TYPE {old_name}'!r})")
    return lines


def _plain_type(name: str, values: tuple[str, ...]) -> str:
    listed = "".join(f"{value!r}, " for value in values)
    return f"postgresql.ENUM({listed}name={name!r})"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
