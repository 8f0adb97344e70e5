"""The vocabulary every part of the engine shares: a step's direction, a row's state.

A tracking row stores one of five states. ``applied``; ``running`` and ``failed`` for a
stuck ``up()``; ``running_down`` and ``failed_down`` for a stuck ``down()``. What a person
sees (:data:`ShownState`) folds the direction out of the state and adds the two states no row
holds: ``pending`` (a file without a row) and ``missing`` (an applied row without a file).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

#: Which of a migration's two methods runs: ``up()`` applies it, ``down()`` undoes it.
Direction = Literal["up", "down"]

#: A migration's state as ``migrate:status`` shows it.
ShownState = Literal["applied", "pending", "missing", "failed", "running"]
SHOWN_STATES: tuple[ShownState, ...] = ("applied", "pending", "missing", "failed", "running")

APPLIED = "applied"
#: A step in progress on a database without transactional DDL (written before it starts), or
#: one whose process died: found while holding the lock, it is treated as failed.
RUNNING = "running"
FAILED = "failed"
#: The same for ``down()``. Repairing a failed ``up()`` forgets the migration; repairing a
#: failed ``down()`` records it as applied again: either way, as it was before the step.
RUNNING_DOWN = "running_down"
FAILED_DOWN = "failed_down"

#: The step each stuck state belongs to, and the state it is shown as.
_STUCK: dict[str, tuple[Direction, ShownState]] = {
    RUNNING: ("up", "running"),
    FAILED: ("up", "failed"),
    RUNNING_DOWN: ("down", "running"),
    FAILED_DOWN: ("down", "failed"),
}


def running_state(direction: Direction) -> str:
    return RUNNING if direction == "up" else RUNNING_DOWN


def failed_state(direction: Direction) -> str:
    return FAILED if direction == "up" else FAILED_DOWN


@dataclass(frozen=True)
class Record:
    """One row of the tracking table."""

    name: str
    batch: int
    applied_at: datetime
    checksum: str | None
    #: The stored state: ``applied``, ``running``, ``failed``, ``running_down``, ``failed_down``.
    state: str

    @property
    def direction(self) -> Direction | None:
        """The step a failed or running record is stuck in: ``up``, ``down``, or None."""
        return _STUCK[self.state][0] if self.state in _STUCK else None

    @property
    def shown_state(self) -> ShownState:
        """``applied``, ``running`` or ``failed``, whichever step it is stuck in."""
        if self.state == APPLIED:
            return "applied"
        # A state this version does not know blocks runs as a failure does: show it as one.
        return _STUCK[self.state][1] if self.state in _STUCK else "failed"

    @property
    def running(self) -> bool:
        return self.state in (RUNNING, RUNNING_DOWN)

    @property
    def stuck(self) -> bool:
        """Failed or running: the run that wrote it did not finish its step."""
        return self.state != APPLIED
