"""What stands between the migration files and the database, from file names and one query.

The startup check (is there work?), the wait for another process's run (is it done?), and
the comparison with the models (autogenerate, ``migrate:check``: is the schema the one the
files describe?) all ask this one question, of the same query's answer. No migration file
is read or imported.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DatabaseNotMigrated
from ..files.discovery import list_stems, misnamed
from ..files.naming import parse_stem, sort_key
from ..progress import Progress
from ..states import APPLIED, FAILED_DOWN, RUNNING, RUNNING_DOWN, Direction

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from ..files.discovery import MigrationFile
    from ..tracking.table import TrackingTable


@dataclass(frozen=True)
class Backlog:
    """The migrations not applied yet, each in run order."""

    #: Files without a row: not started. Files that are not migrations by their names never
    #: run, so they are not pending either.
    pending: tuple[str, ...]
    #: Steps another process is running now (or ran, and died in).
    running: tuple[str, ...]
    #: ``(name, "up" or "down")`` of steps recorded as failed.
    failed: tuple[tuple[str, Direction], ...]

    @classmethod
    def of(cls, stems: list[str], states: dict[str, str]) -> Backlog:
        """The backlog of the files named ``stems``, given the tracking table's states.

        Rows whose file is gone (older code deployed) are no backlog: nothing can apply them.
        """
        pending = sorted(
            (stem for stem in stems if stem not in states and parse_stem(stem)), key=sort_key
        )
        stuck = sorted((name for name, state in states.items() if state != APPLIED), key=sort_key)
        running = tuple(name for name in stuck if states[name] in (RUNNING, RUNNING_DOWN))
        failed: tuple[tuple[str, Direction], ...] = tuple(
            (name, "down" if states[name] == FAILED_DOWN else "up")
            for name in stuck
            if name not in running
        )
        return cls(tuple(pending), running, failed)

    @property
    def stuck(self) -> tuple[str, ...]:
        """The running and failed steps' names, in run order: rows that are not applied."""
        return tuple(sorted([*self.running, *(name for name, _ in self.failed)], key=sort_key))

    @property
    def done(self) -> bool:
        """Whether every migration is applied."""
        return not (self.pending or self.running or self.failed)

    def work_up_to(self, last: MigrationFile | None) -> bool:
        """The startup check: whether a run up to ``last`` (None: every file) has work.

        A stuck row means work too: the run reports it, under the lock.
        """
        if self.running or self.failed:
            return True
        if last is None:
            return bool(self.pending)
        return any(sort_key(name) <= last.parsed.sort_key for name in self.pending)

    def held_back(self, migrations_dir: Path, held: bool = True) -> Backlog:
        """This backlog without its pending post-deploy migrations (``post_deploy = True``),
        if ``held``: what a run before the deploy applies, and what the wait for the schema
        waits for. Only the pending files are read, and only when some are pending."""
        if not held or not self.pending:
            return self
        from ..deploy.post_deploy import post_deploy_names

        later = post_deploy_names(migrations_dir, self.pending)
        return replace(self, pending=tuple(n for n in self.pending if n not in later))

    def describe(self) -> str:
        """``2 pending (A, B), 1 running (C)``."""
        parts = [
            f"{len(names)} {label} ({', '.join(names)})"
            for label, names in (("pending", self.pending), ("running", self.running))
            if names
        ]
        if self.failed:
            parts.append(f"{len(self.failed)} failed ({', '.join(n for n, _ in self.failed)})")
        return ", ".join(parts) or "nothing"

    def refuse(self, what: str) -> None:
        """Raise :class:`DatabaseNotMigrated` unless every migration is applied."""
        if self.done:
            return
        parts = []
        if self.pending:
            parts.append(f"pending: {', '.join(self.pending)}")
        if self.stuck:
            parts.append(f"failed: {', '.join(self.stuck)}")
        fix = "run migrate" if not self.stuck else "repair them (migrate:repair), then migrate"
        raise DatabaseNotMigrated(
            f"Cannot {what}: the database is not fully migrated ({'; '.join(parts)}). The "
            f"models are compared with the migrated schema: {fix} first.",
            pending=self.pending,
            failed=self.stuck,
        )


def read_backlog(conn: Connection, migrations_dir: Path, tracking: TrackingTable) -> Backlog:
    """The backlog of the files in ``migrations_dir`` on the database behind ``conn``."""
    stems = list_stems(migrations_dir) if os.path.isdir(migrations_dir) else []
    return Backlog.of(stems, tracking.read_states(conn))


def stray_files(stems: list[str], states: dict[str, str], direction: Direction) -> list[Progress]:
    """What a run says of the startup check's answer: files meant as migrations whose names
    are not valid, and applied migrations whose file is gone."""
    unknown = [stem for stem in stems if stem not in states]
    found = [Progress("misnamed", stem, direction, reason=why) for stem, why in misnamed(unknown)]
    on_disk = set(stems)
    gone = [name for name in states if name not in on_disk]
    if gone:
        found.append(Progress("missing", "", direction, names=tuple(sorted(gone, key=sort_key))))
    return found
