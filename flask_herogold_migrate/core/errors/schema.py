"""Errors of schema operations inside a migration (see :mod:`.schema_operations`)."""

from __future__ import annotations

from dataclasses import dataclass

from .base import MigrationError


class BatchModeRequired(MigrationError):
    """A schema operation SQLite can only do by rebuilding the table, outside batch mode."""

    def __init__(self, message: str, *, table: str | None = None):
        super().__init__(message)
        self.table = table


@dataclass(frozen=True)
class ForeignKeyViolation:
    """A row whose foreign key points at no row of its parent table."""

    table: str
    rowid: int | None
    parent: str

    def describe(self) -> str:
        row = "a row without rowid" if self.rowid is None else f"row {self.rowid}"
        return f"{self.table} {row} references a missing {self.parent} row"


class ForeignKeyViolations(MigrationError):
    """A step on SQLite left rows whose foreign keys point nowhere; it was not committed."""

    def __init__(self, violations: tuple[ForeignKeyViolation, ...]):
        #: Each row left pointing at nothing, as ``PRAGMA foreign_key_check`` lists it.
        self.violations = violations
        shown = "; ".join(v.describe() for v in violations[:_SHOWN_VIOLATIONS])
        more = len(violations) - _SHOWN_VIOLATIONS
        super().__init__(
            f"PRAGMA foreign_key_check found {len(violations)} broken reference"
            f"{'s' if len(violations) != 1 else ''}: {shown}"
            + (f"; and {more} more" if more > 0 else "")
            + ". Foreign keys are off while a migration runs on SQLite, so that rebuilding a "
            "table keeps the rows that reference it, and ON DELETE actions do not run: change "
            "or delete the referencing rows in the migration itself."
        )


_SHOWN_VIOLATIONS = 10
