"""What a generated migration will do, before it is written: planned by :mod:`.api`, shown by
the caller, rendered by :mod:`.render`."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .difference import Difference
from .key_indexes import KeyIndex
from .naming import unnamed
from .renames import RenameCandidate, apply_renames, still_open
from .todos import Todo, find_todos

if TYPE_CHECKING:
    from alembic.operations.ops import MigrateOperation, UpgradeOps
    from sqlalchemy import MetaData
    from sqlalchemy.engine import Dialect

    from .enums import EnumChange


@dataclass(frozen=True)
class AutogeneratePlan:
    """What a generated migration will do, before it is written."""

    dialect: Dialect
    differences: tuple[Difference, ...]
    #: Alembic's operations (an ``UpgradeOps``), before any rename is applied.
    operations: UpgradeOps
    #: Drops and adds that may be renames, in the order to ask about them.
    candidates: tuple[RenameCandidate, ...] = ()
    #: The answers given so far: ``(candidate, yes)``.
    answers: tuple[tuple[RenameCandidate, bool], ...] = ()
    #: Tables of the database no model describes: never dropped, listed in the file.
    unknown_tables: tuple[str, ...] = ()
    #: PostgreSQL enum types to create first (``old`` None), and to change.
    new_enums: tuple[EnumChange, ...] = ()
    changed_enums: tuple[EnumChange, ...] = ()
    #: What Alembic warned of while comparing (an expression index it cannot compare, ...).
    alembic_warnings: tuple[str, ...] = ()
    #: The models compared.
    metadata: tuple[MetaData, ...] = ()
    #: MariaDB and MySQL: the indexes ``down()`` drops between dropping and creating again
    #: the foreign key that uses them.
    key_indexes: tuple[KeyIndex, ...] = ()
    #: What the person must do by hand beside the operations (a view a baseline cannot
    #: create, ...): each a ``# TODO`` and a warning.
    notes: tuple[str, ...] = ()

    @property
    def has_changes(self) -> bool:
        """Whether there is anything to write (tables no model describes are not a change)."""
        return bool(self.operations.ops or self.changed_enums)

    @property
    def tables_left_alone(self) -> tuple[str, ...]:
        """The tables no model describes, but those renamed to a model's table."""
        renamed = {c.old for c in self.renames if c.kind == "table"}
        return tuple(t for t in self.unknown_tables if t not in renamed)

    @property
    def todos(self) -> list[Todo]:
        """What cannot be generated (with the renames answered so far): ``# TODO`` comments
        in the file, and warnings."""
        todos = [Todo(f"While comparing: {warning}") for warning in self.alembic_warnings]
        todos += [Todo(note) for note in self.notes]
        operations = self.final_operations()
        todos += [Todo(message) for message in unnamed(operations)]
        todos += [Todo(_kept_apart(c), c.table) for c in self.kept_apart if c.kind == "column"]
        return todos + find_todos(operations, self.dialect, self.changed_enums)

    def open_questions(self) -> list[RenameCandidate]:
        """The candidates still to ask about, given the answers so far."""
        given = dict(self.answers)
        return [c for c in self.candidates if still_open(c, given)]

    def answer(self, candidate: RenameCandidate, yes: bool) -> AutogeneratePlan:
        """The plan with ``candidate`` answered."""
        return dataclasses.replace(self, answers=(*self.answers, (candidate, yes)))

    @property
    def renames(self) -> list[RenameCandidate]:
        """The candidates answered yes: renamed, not dropped and added."""
        return [candidate for candidate, yes in self.answers if yes]

    @property
    def kept_apart(self) -> list[RenameCandidate]:
        """The candidates not answered yes, and not ruled out by a yes: a drop and an add."""
        accepted = self.renames
        return [
            c
            for c in self.candidates
            if c not in accepted and not any(yes.takes(c) for yes in accepted)
        ]

    def final_operations(self) -> list[MigrateOperation]:
        """Alembic's operations with the accepted renames in place of their drop and add."""
        return apply_renames(self.operations, self.renames, self.dialect)

    def warnings(self) -> list[str]:
        """One line per thing the person must look at in the file."""
        lines = [todo.message for todo in self.todos]
        for candidate in self.kept_apart:
            if candidate.kind == "table":  # a column's is a TODO: its data is lost
                lines.append(_kept_apart(candidate))
        return lines


def _kept_apart(candidate: RenameCandidate) -> str:
    what = "dropped and added" if candidate.kind == "column" else "left and created"
    return (
        f"{candidate.describe()}: {what}, not renamed"
        + (", so the column's data is lost" if candidate.kind == "column" else "")
        + ". If it is a rename, answer yes at a terminal (without --no-input)."
    )
