"""Waiting for the schema: a process that must not serve an old schema, and must not migrate
either, waits until another process (a release step) has applied every migration.

Each look costs what the startup check costs, a directory listing and one query; no migration
file is imported and no lock is taken. A failed migration ends the wait at once: it stays
failed until someone repairs it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import FailedMigrationRecorded, MigrationError
from ..files.discovery import list_stems
from ..runtime.backlog import Backlog

if TYPE_CHECKING:
    from ..manager import MigrationManager

#: Seconds between two looks at the tracking table.
DEFAULT_WAIT_INTERVAL = 2.0
#: Seconds to wait for the migrations before giving up.
DEFAULT_WAIT_TIMEOUT = 300.0


@dataclass(frozen=True)
class WaitResult:
    """How a wait ended well: the schema is up to date."""

    #: Seconds waited; 0 when it was up to date at the first look.
    seconds: float
    #: What the first look found outstanding (``done`` if nothing was).
    first_seen: Backlog


class SchemaWaitTimeout(MigrationError):
    """Migrations were still outstanding when the wait for them ran out."""

    def __init__(self, outstanding: Backlog, timeout: float):
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


def look(manager: MigrationManager) -> Backlog:
    """One look: a directory listing and the startup check's one query, on the manager's
    connection (a schema tenant's own tracking table). Pending post-deploy migrations keep
    nothing waiting: they run after the deploy."""
    stems = list_stems(manager.migrations_dir)
    with manager.connect() as run:
        backlog = Backlog.of(stems, run.tracking.read_states(run.conn))
    return backlog.held_back(manager.migrations_dir)


def wait_until_migrated(
    manager: MigrationManager,
    *,
    interval: float = DEFAULT_WAIT_INTERVAL,
    timeout: float = DEFAULT_WAIT_TIMEOUT,
    on_change: Callable[[Backlog, float], None] | None = None,
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
    previous: Backlog | None = None
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
