"""Squashed migrations at run time: one that ``migrate:squash`` wrote takes the place of the
migrations it ``replaces`` on each database the next run reaches.

Where every replaced migration is applied, it is recorded as applied without running and
their rows are removed in the same transaction (a fold), so nothing shows as missing; where
none is, it simply runs; where only some are, the run refuses: running it would create what
exists, and skipping it would leave the rest unmade.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import Connection

from ..dialects import DialectImpl
from ..errors import MigrationError
from ..files.discovery import MigrationFile
from ..files.loader import load_migration
from ..progress import Progress, ProgressCallback
from ..runtime.plan import PlannedStep
from ..states import APPLIED, Record
from ..tracking.table import TrackingTable


class SquashPartlyApplied(MigrationError):
    """A squashed migration replaces migrations of which only some are applied here."""


def fold_squashed(
    conn: Connection,
    impl: DialectImpl,
    tracking: TrackingTable,
    files: Sequence[MigrationFile],
    records: list[Record],
    emit: ProgressCallback,
) -> list[Record]:
    """Fold every pending squashed migration whose replaced migrations are all applied;
    return the records as they are afterwards.

    Only a database that has records of files no longer on disk can need a fold, so any
    other run loads nothing here.
    """
    on_disk = {file.name for file in files}
    by_name = {record.name: record for record in records}
    if all(name in on_disk for name in by_name):
        return records
    for file in files:
        if file.name in by_name:
            continue
        replaced = tuple(load_migration(file).replaces)
        if not replaced:
            continue
        applied = [n for n in replaced if n in by_name and by_name[n].state == APPLIED]
        if not applied:
            continue
        if len(applied) < len(replaced):
            raise _partly_applied(file.name, replaced, applied)
        # The first of their batches: rolling it back undoes all of them, as the file does.
        batch = min(by_name[name].batch for name in replaced)
        step = PlannedStep(file.name, "up", file, batch)
        with tracking.changing(conn), impl.begin(conn):  # the startup digest follows
            tracking.fold(conn, step, replaced)
        emit(Progress("recorded", file.name, "up"))
        records = tracking.read_for_change(conn)
        by_name = {record.name: record for record in records}
    return records


def _partly_applied(
    name: str, replaced: Sequence[str], applied: Sequence[str]
) -> SquashPartlyApplied:
    missing = [other for other in replaced if other not in applied]
    return SquashPartlyApplied(
        f"{name} replaces migrations of which this database has only some applied "
        f"({len(applied)} of {len(replaced)}; not {', '.join(missing)}). Nothing was run. "
        "Bring it up to date with the code from before the squash (the replaced files are in "
        "version control), then run the squashed code's migrate again."
    )
