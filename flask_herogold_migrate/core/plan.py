"""Plans: what a command will do, decided from the files and the records before anything runs.

Each planner is a pure function of the migration files on disk and the rows of the tracking
table. The manager plans under the migration lock and hands the plan to the executor, which
runs exactly that; a command that shows its plan first (``migrate:repair``) gets the same
object to show, so what is shown and what is done are never derived twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .discovery import MigrationFile
from .errors import MigrationFileMissing
from .naming import sort_key
from .states import APPLIED, Direction, Record


@dataclass(frozen=True)
class PlannedStep:
    """One migration to run in one direction, with the batch its row belongs to."""

    name: str
    direction: Direction
    file: MigrationFile
    batch: int


@dataclass(frozen=True)
class MigrationPlan:
    """The steps of one run, in the order they run: a batch applied, or batches undone."""

    direction: Direction
    steps: tuple[PlannedStep, ...]

    @property
    def names(self) -> list[str]:
        return [step.name for step in self.steps]


def plan_up(
    files: list[MigrationFile], records: list[Record], last: MigrationFile | None = None
) -> MigrationPlan:
    """Every file without a record, up to and including ``last``, as one new batch."""
    done = {r.name for r in records}
    batch = max((r.batch for r in records), default=0) + 1
    steps = tuple(
        PlannedStep(file.name, "up", file, batch)
        for file in files
        if file.name not in done and (last is None or file.parsed.sort_key <= last.parsed.sort_key)
    )
    return MigrationPlan("up", steps)


def plan_down(
    files: list[MigrationFile], records: list[Record], batches: int | None
) -> MigrationPlan:
    """The last ``batches`` batches (every one for None), newest migration first.

    Refuses when one of them has no file: dropping its record without its ``down()`` would
    leave the schema behind, and a restored file would run ``up()`` over its own tables.
    """
    newest_first = sorted({r.batch for r in records}, reverse=True)
    chosen = set(newest_first if batches is None else newest_first[:batches])
    victims = sorted(
        (r for r in records if r.batch in chosen),
        key=lambda r: (r.batch, sort_key(r.name)),
        reverse=True,
    )
    by_name = {file.name: file for file in files}
    missing = [r.name for r in victims if r.name not in by_name]
    if missing:
        raise MigrationFileMissing.for_names(missing)
    return MigrationPlan(
        "down", tuple(PlannedStep(r.name, "down", by_name[r.name], r.batch) for r in victims)
    )


#: What repair does to one record: forget a failed ``up()``, restore a failed ``down()`` as
#: applied, store the checksum of an edited file, or forget an applied migration whose file
#: is gone.
RepairKind = Literal[
    "remove_failed_up", "restore_failed_down", "realign_checksum", "forget_missing"
]


@dataclass(frozen=True)
class RepairAction:
    kind: RepairKind
    name: str


@dataclass(frozen=True)
class RepairPlan:
    """What ``migrate:repair`` will change, in run order, and what it leaves as it is."""

    actions: tuple[RepairAction, ...]
    #: Applied migrations whose file is gone, kept because forgetting them was not asked for.
    kept_missing: tuple[str, ...]
    realign_checksums: bool
    forget_missing: bool

    def names(self, kind: RepairKind) -> list[str]:
        return [action.name for action in self.actions if action.kind == kind]


@dataclass(frozen=True)
class RepairResult:
    """What a repair changed."""

    removed: list[str]
    restored: list[str]
    realigned: list[str]
    forgotten: list[str]


def plan_repair(
    files: list[MigrationFile],
    records: list[Record],
    *,
    realign_checksums: bool,
    forget_missing: bool,
) -> RepairPlan:
    """Failed records first put back as before their step, then checksums, then missing files.

    Only the files of applied records are read, for their checksums; none is imported.
    """
    by_name = {file.name: file for file in files}
    actions: list[RepairAction] = []
    missing: list[str] = []
    for record in sorted(records, key=lambda r: sort_key(r.name)):
        file = by_name.get(record.name)
        if record.direction == "up":
            actions.append(RepairAction("remove_failed_up", record.name))
        elif record.direction == "down":
            actions.append(RepairAction("restore_failed_down", record.name))
        elif record.state != APPLIED:
            continue  # a state this version does not know: left for a human
        elif file is None:
            missing.append(record.name)
        elif realign_checksums and file.checksum() != record.checksum:
            actions.append(RepairAction("realign_checksum", record.name))
    if forget_missing:
        actions += [RepairAction("forget_missing", name) for name in missing]
    return RepairPlan(
        tuple(actions),
        () if forget_missing else tuple(missing),
        realign_checksums,
        forget_missing,
    )
