"""Steps recorded as running that no process runs any more.

A step whose row says ``running`` is either being run now, by a process that holds the
migration lock for its whole run, or was left by a process that died part-way. Which one
is told by trying the lock without waiting and, if it is free, reading the rows again
under it: a live run would still hold it. The next ``migrate`` records such rows as
failed; ``migrate:wait`` stops at once on them instead of waiting out its timeout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import FailedMigrationRecorded, LockTimeout
from ..runtime.lock import holding_the_lock
from ..states import RUNNING, RUNNING_DOWN, Direction

if TYPE_CHECKING:
    from ..manager import MigrationManager


def abandoned_steps(manager: MigrationManager, running: tuple[str, ...]) -> tuple[str, ...]:
    """Of the migrations ``running`` was read for, those still recorded as running while no
    process holds the migration lock: their process died. Holds the lock a moment at most."""
    if not running:
        return ()
    with manager.connect() as run:
        conn = run.conn
        try:
            with holding_the_lock(
                conn,
                run.tracking.name,
                "up",
                lock_timeout=0,
                connection_check_interval=0,
                emit=lambda _: None,
            ):
                states = run.tracking.read_states(conn)
        except LockTimeout:
            return ()  # a run holds it: the steps are being run
    return tuple(name for name in running if states.get(name) in (RUNNING, RUNNING_DOWN))


def refuse_abandoned(manager: MigrationManager, running: tuple[str, ...]) -> None:
    """Raise :class:`FailedMigrationRecorded` naming the abandoned steps among ``running``."""
    dead = abandoned_steps(manager, running)
    if not dead:
        return
    with manager.connect() as run:
        states = run.tracking.read_states(run.conn)
    stuck: tuple[tuple[str, Direction], ...] = tuple(
        (name, "down" if states.get(name) == RUNNING_DOWN else "up") for name in dead
    )
    raise FailedMigrationRecorded(
        f"{', '.join(dead)} recorded as running, but no process runs it: the migration lock "
        "is free, so the process that ran it died part-way. Nothing will apply the rest: run "
        "migrate, which records it as failed, then put the schema right and run "
        "migrate:repair.",
        stuck=stuck,
    )
