"""Repair: putting the tracking table back in step with the schema, after a human did.

:func:`plan_repair` decides, from the files and the records, what ``migrate:repair`` would
change; the CLI shows that plan, and :func:`execute_repair` carries out, under the lock, what
of it still holds: a migration that failed since it was shown is left for the next repair.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.engine import Connection

from ..files.discovery import MigrationFile
from ..files.naming import sort_key
from ..states import APPLIED, Record
from ..tracking.table import TrackingTable
from .plan import find_renames

#: What repair does to one record: forget a failed ``up()``, restore a failed ``down()`` as
#: applied, store the checksum of an edited file, or forget an applied migration whose file
#: is gone.
RepairKind = Literal[
    "remove_failed_up", "restore_failed_down", "realign_checksum", "forget_missing", "rename"
]


@dataclass(frozen=True)
class RepairAction:
    kind: RepairKind
    name: str
    #: For ``rename``: the name of the file the applied migration's content now has.
    new_name: str | None = None


@dataclass(frozen=True)
class RepairPlan:
    """What ``migrate:repair`` will change, in run order, and what it leaves as it is."""

    actions: tuple[RepairAction, ...]
    #: Applied migrations whose file is gone, kept because forgetting them was not asked for.
    kept_missing: tuple[str, ...]
    #: ``(old, new)`` of renamed files, kept because recording the new names was not asked for.
    kept_renames: tuple[tuple[str, str], ...]
    realign_checksums: bool
    forget_missing: bool
    rename_moved: bool = False

    def names(self, kind: RepairKind) -> list[str]:
        return [action.name for action in self.actions if action.kind == kind]


@dataclass(frozen=True)
class RepairResult:
    """What a repair changed."""

    removed: list[str]
    restored: list[str]
    realigned: list[str]
    forgotten: list[str]
    #: ``(old, new)``: applied migrations whose row now names their renamed file.
    renamed: list[tuple[str, str]]


def plan_repair(
    files: list[MigrationFile],
    records: list[Record],
    *,
    realign_checksums: bool,
    forget_missing: bool,
    rename_moved: bool = False,
) -> RepairPlan:
    """Failed records put back as before their step, checksums, renamed files, then missing
    ones, each group in run order.

    Only the files of applied records are read, for their checksums, and pending ones if an
    applied migration's file is gone (it may have been renamed); none is imported.
    """
    by_name = {file.name: file for file in files}
    renames = find_renames(files, records)
    renamed = {old for old, _ in renames}
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
            if record.name not in renamed:
                missing.append(record.name)
        elif realign_checksums and file.checksum() != record.checksum:
            actions.append(RepairAction("realign_checksum", record.name))
    if rename_moved:
        actions += [RepairAction("rename", old, new) for old, new in renames]
    if forget_missing:
        actions += [RepairAction("forget_missing", name) for name in missing]
    return RepairPlan(
        tuple(actions),
        () if forget_missing else tuple(missing),
        () if rename_moved else tuple(renames),
        realign_checksums,
        forget_missing,
        rename_moved,
    )


def execute_repair(
    conn: Connection,
    tracking: TrackingTable,
    files: list[MigrationFile],
    options: RepairPlan,
    shown: RepairPlan | None = None,
) -> RepairResult:
    """Read the records, plan again with ``options``' settings and do it, or only what
    ``shown`` listed too. The caller holds the migration lock."""
    records = tracking.read(conn)
    if records:
        tracking.ensure(conn)  # a table from an older version gets its columns
    now = plan_repair(
        files,
        records,
        realign_checksums=options.realign_checksums,
        forget_missing=options.forget_missing,
        rename_moved=options.rename_moved,
    )
    actions = [a for a in now.actions if shown is None or a in shown.actions]
    by_name = {file.name: file for file in files}
    with conn.begin():
        for action in actions:
            if action.kind == "restore_failed_down":
                tracking.restore(conn, action.name)
            elif action.kind == "realign_checksum":
                tracking.realign(conn, action.name, by_name[action.name].checksum())
            elif action.kind == "rename" and action.new_name is not None:
                tracking.rename(conn, action.name, action.new_name)
            else:
                tracking.forget(conn, action.name)

    def named(kind: RepairKind) -> list[str]:
        return [action.name for action in actions if action.kind == kind]

    return RepairResult(
        removed=named("remove_failed_up"),
        restored=named("restore_failed_down"),
        realigned=named("realign_checksum"),
        forgotten=named("forget_missing"),
        renamed=[(a.name, a.new_name) for a in actions if a.new_name is not None],
    )
