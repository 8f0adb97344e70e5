"""Ctrl-C during a run, with what the run left, so the user is told where things stand.

It stays a :class:`KeyboardInterrupt` (nothing that catches ``Exception`` swallows it); the
executor and the loop over targets fill in what they know on its way out.
"""

from __future__ import annotations

from ..states import Direction
from . import _repair_advice


class Interrupted(KeyboardInterrupt):
    """A run stopped by Ctrl-C (or SIGTERM where it is turned into one)."""

    def __init__(
        self,
        direction: Direction | None,
        *,
        completed: tuple[str, ...] = (),
        step: str | None = None,
        left_failed: bool = False,
    ) -> None:
        super().__init__("interrupted")
        #: None where no migration was running (between targets, say).
        self.direction = direction
        #: Migrations of the run that had committed before the interrupt.
        self.completed = completed
        #: The migration that was running, if one was.
        self.step = step
        #: Whether that migration had partly committed, and is recorded as failed.
        self.left_failed = left_failed
        #: Where several databases run: the one interrupted, and those done or not started.
        self.target: str | None = None
        self.target_kind = "database"
        self.targets_done: tuple[str, ...] = ()
        self.targets_not_started: tuple[str, ...] = ()

    def describe(self) -> str:
        """What the run left, and what to run next."""
        where = f" on {self.target_kind} {self.target}" if self.target else ""
        up = self.direction == "up"
        parts = ["Interrupted."]
        if self.completed:
            done = "Applied" if up else "Rolled back"
            parts.append(f"{done}{where} before that, and kept: {', '.join(self.completed)}.")
        if self.step is not None and self.left_failed:
            parts.append(
                f"{self.step} had partly committed when it stopped{where}, so it is recorded "
                f"as failed and blocks further runs. {_repair_advice(self.direction or 'up')}"
            )
        elif self.step is not None:
            still = "pending" if up else "applied"
            parts.append(f"{self.step} was stopped and rolled back{where}: it is still {still}.")
        kinds = f"{self.target_kind.capitalize()}s"
        if self.targets_done:
            parts.append(f"{kinds} done before: {', '.join(self.targets_done)}.")
        if self.targets_not_started:
            parts.append(f"{kinds} never started: {', '.join(self.targets_not_started)}.")
        again = "migrate" if self.direction == "up" else "the command"
        parts.append(
            f"Run {again} again to go on{' after the repair' if self.left_failed else ''}; "
            "migrate:status shows where the database stands."
        )
        return " ".join(parts)

    def at_target(
        self, kind: str, name: str, done: tuple[str, ...], not_started: tuple[str, ...]
    ) -> Interrupted:
        """This interrupt, told which of several databases it stopped, and the others."""
        self.target_kind, self.target = kind, name
        self.targets_done, self.targets_not_started = done, not_started
        return self
