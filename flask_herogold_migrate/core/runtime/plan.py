"""Plans: what a command will do, decided from the files and the records before anything runs.

Each planner is a pure function of the migration files on disk and the rows of the tracking
table. The manager plans under the migration lock and hands the plan to the executor, which
runs exactly that; a command that shows its plan first (``migrate:repair``) gets the same
object to show, so what is shown and what is done are never derived twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..deploy.post_deploy import is_post_deploy
from ..errors import (
    MigrationFileMissing,
    MigrationNamesCollide,
    OutOfOrderMigrations,
    RenamedMigrationFile,
)
from ..files.discovery import MigrationFile
from ..files.moved import find_moved
from ..files.naming import sort_key
from ..progress import Progress
from ..states import Direction, Record


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
    #: Steps of files dated before the newest migration the tracking table has.
    out_of_order: tuple[str, ...] = ()
    #: That newest migration, when some steps are out of order.
    newest_recorded: str | None = None
    #: Applied migrations whose file changed since, found when a batch is applied.
    edited: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [step.name for step in self.steps]


#: What a run does with pending files dated before the newest applied migration: apply them
#: with a warning, refuse to run, or apply them without a word.
OutOfOrderPolicy = Literal["warn", "error", "allow"]
OUT_OF_ORDER_POLICIES: tuple[OutOfOrderPolicy, ...] = ("warn", "error", "allow")


def plan_up(
    files: list[MigrationFile],
    records: list[Record],
    last: MigrationFile | None = None,
    out_of_order: OutOfOrderPolicy = "warn",
    skip_post_deploy: bool = False,
) -> MigrationPlan:
    """Every file without a record, up to and including ``last``, as one new batch.

    Post-deploy files (``post_deploy = True``) are left out with ``skip_post_deploy``, and
    never out of order (held back by design, they run after later files).

    Refuses, before anything runs, a pending file that is an applied one renamed (it would
    run the same change twice) or whose name differs only in case from another migration's
    (the two collide on case-insensitive file systems and collations), and, if
    ``out_of_order`` is ``error``, a pending file dated before the newest applied migration.
    """
    moved = find_moved(files, records)
    if moved:
        raise RenamedMigrationFile.for_pairs(
            [(m.old, m.new) for m in moved], {m.new: m.edited_because for m in moved}
        )
    collisions = case_collisions(files, records)
    if collisions:
        raise MigrationNamesCollide.for_pairs(collisions)
    done = {r.name for r in records}
    batch = max((r.batch for r in records), default=0) + 1
    steps = tuple(
        PlannedStep(file.name, "up", file, batch)
        for file in files
        if file.name not in done and (last is None or file.parsed.sort_key <= last.parsed.sort_key)
    )
    if skip_post_deploy:
        steps = tuple(step for step in steps if not is_post_deploy(step.file))
    late = find_out_of_order([step.file for step in steps], records)
    if late:
        pending = {step.name: step.file for step in steps}
        late = tuple(name for name in late if not is_post_deploy(pending[name]))
    newest = newest_recorded(records) if late else None
    if late and out_of_order == "error":
        raise OutOfOrderMigrations.for_names(late, newest or "")
    # Hashing every applied file is a cost of a run with work, which the no-op path skips.
    by_name = {file.name: file for file in files}
    edited = tuple(
        r.name
        for r in sorted(records, key=lambda r: sort_key(r.name))
        if r.name in by_name and edited_since_applied(r, by_name[r.name])
    )
    return MigrationPlan("up", steps, late, newest, edited)


def up_warnings(plan: MigrationPlan, out_of_order: OutOfOrderPolicy) -> list[Progress]:
    """What a run applying ``plan`` warns about before it starts."""
    found = []
    if plan.out_of_order and out_of_order == "warn":
        late, newest = plan.out_of_order, plan.newest_recorded
        found.append(Progress("out_of_order", "", "up", reason=newest, names=late))
    if plan.edited:
        found.append(Progress("modified", "", "up", names=plan.edited))
    return found


def newest_recorded(records: list[Record]) -> str | None:
    """The name of the last migration in run order that the tracking table has a row for."""
    return max((r.name for r in records), key=sort_key, default=None)


def find_out_of_order(files: list[MigrationFile], records: list[Record]) -> tuple[str, ...]:
    """The pending ``files`` whose names sort before the newest recorded migration's.

    Merged from an older branch, say: run now, they run after migrations their names say
    come later. Names only; no file is read.
    """
    if not records:
        return ()
    # The files' names are parsed already: only the rows of missing files need parsing.
    by_name = {f.name: f.parsed for f in files}
    recorded = {r.name for r in records}
    last = max(by_name[r.name].sort_key if r.name in by_name else sort_key(r.name) for r in records)
    return tuple(
        name for name, parsed in by_name.items() if parsed.sort_key < last and name not in recorded
    )


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


def edited_since_applied(record: Record, file: MigrationFile) -> bool:
    """Whether ``file`` changed since ``record`` was applied (a row of old gives no checksum)."""
    return bool(record.checksum) and record.checksum != file.checksum()


def find_renames(files: list[MigrationFile], records: list[Record]) -> list[tuple[str, str]]:
    """``(old, new)`` for each pending file that is an applied migration, whose file is gone,
    renamed (see :func:`.find_moved`)."""
    return [(moved.old, moved.new) for moved in find_moved(files, records)]


def case_collisions(files: list[MigrationFile], records: list[Record]) -> list[tuple[str, str]]:
    """Pairs of names, one of them a pending file's, that differ only in case."""
    recorded = {r.name for r in records}
    known: dict[str, str] = {}
    for name in sorted(recorded, key=sort_key):
        known.setdefault(name.casefold(), name)
    pairs = []
    for file in files:
        if file.name in recorded:
            continue
        other = known.setdefault(file.name.casefold(), file.name)
        if other != file.name:
            pairs.append((other, file.name))
    return pairs
