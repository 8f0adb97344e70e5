"""Waiting for the schema: a process that must not serve an old schema, and must not migrate
either, waits until another process (a release step) has applied every migration.

Each look costs what the startup check costs, a directory listing and one query; no migration
file is imported and no lock is taken. A failed migration ends the wait at once: it stays
failed until someone repairs it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..errors import FailedMigrationRecorded, MigrationError
from ..files.discovery import list_stems
from ..files.naming import parse_stem, sort_key
from ..states import APPLIED, FAILED_DOWN, RUNNING, RUNNING_DOWN, Direction
from .connection import run_connection
from .post_deploy import post_deploy_names

if TYPE_CHECKING:
    from ..manager import MigrationManager

#: Seconds between two looks at the tracking table.
DEFAULT_WAIT_INTERVAL = 2.0
#: Seconds to wait for the migrations before giving up.
DEFAULT_WAIT_TIMEOUT = 300.0


@dataclass(frozen=True)
class Outstanding:
    """What keeps the schema from being up to date, each in run order."""

    #: Files without a row: not started.
    pending: tuple[str, ...]
    #: Steps another process is running now (or ran, and died in).
    running: tuple[str, ...]
    #: ``(name, "up" or "down")`` of steps recorded as failed.
    failed: tuple[tuple[str, Direction], ...]

    @property
    def done(self) -> bool:
        return not (self.pending or self.running or self.failed)

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


@dataclass(frozen=True)
class WaitResult:
    """How a wait ended well: the schema is up to date."""

    #: Seconds waited; 0 when it was up to date at the first look.
    seconds: float
    #: What the first look found outstanding (``done`` if nothing was).
    first_seen: Outstanding


class SchemaWaitTimeout(MigrationError):
    """Migrations were still outstanding when the wait for them ran out."""

    def __init__(self, outstanding: Outstanding, timeout: float):
        self.outstanding = outstanding
        self.timeout = timeout
        #: The migrations not applied yet, in run order.
        self.pending = outstanding.pending
        self.running = outstanding.running
        super().__init__(
            f"Gave up after {timeout:g} s waiting for another process to apply the "
            f"migrations: {outstanding.describe()} still. Is the step that runs flask migrate "
            "part of this deploy, and did it succeed? HEROGOLD_MIGRATE_WAIT_TIMEOUT sets how "
            "long to wait."
        )


def outstanding(stems: list[str], states: dict[str, str]) -> Outstanding:
    """What is left to do, from the file names on disk and the tracking table's states.

    Rows whose file is gone (older code deployed) keep nothing waiting; files that are not
    migrations by their names never run, so they are not waited for either.
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
    return Outstanding(tuple(pending), running, failed)


def look(manager: MigrationManager) -> Outstanding:
    """One look: a directory listing and the startup check's one query.

    Pending post-deploy migrations keep nothing waiting: they run after the deploy.
    """
    stems = list_stems(manager.migrations_dir)
    with run_connection(manager.engine) as conn:
        states = manager.tracking.read_states(conn)
    seen = outstanding(stems, states)
    later = post_deploy_names(manager.migrations_dir, seen.pending)
    return replace(seen, pending=tuple(n for n in seen.pending if n not in later))


def wait_until_migrated(
    manager: MigrationManager,
    *,
    interval: float = DEFAULT_WAIT_INTERVAL,
    timeout: float = DEFAULT_WAIT_TIMEOUT,
    on_change: Callable[[Outstanding, float], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> WaitResult:
    """Look every ``interval`` seconds until no migration is pending or running.

    ``on_change`` hears what is outstanding, and the seconds left, at the first look that
    finds something and whenever that changes. Raises :class:`SchemaWaitTimeout` after
    ``timeout`` seconds, and :class:`FailedMigrationRecorded` as soon as a step is recorded
    as failed. Applies nothing and takes no lock.
    """
    started = clock()
    deadline = started + timeout
    first = seen = look(manager)
    previous: Outstanding | None = None
    while True:
        if seen.failed:
            raise FailedMigrationRecorded.for_steps(list(seen.failed))
        if seen.done:
            return WaitResult(clock() - started if not first.done else 0.0, first)
        left = deadline - clock()
        if left <= 0:
            raise SchemaWaitTimeout(seen, timeout)
        if on_change is not None and seen != previous:
            on_change(seen, left)
        previous = seen
        sleep(min(interval, left))
        seen = look(manager)
