"""What a run reports as it goes: a migration started or done, a file skipped, a lock awaited,
a database whose guarantees we cannot give, a step tried again, files out of order, a long
step still running.

The runner emits these to a callback; the CLI prints them and auto-run logs them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from .states import Direction


@dataclass(frozen=True)
class Progress:
    """What the runner is doing, for whoever shows it (the CLI prints these)."""

    event: Literal[
        "start",
        "done",
        "misnamed",
        "waiting",
        "unsupported",
        "missing",
        "modified",
        "out_of_order",
        "retrying",
        "note",
        "still_running",
        "recorded",
    ]
    name: str
    direction: Direction
    seconds: float | None = None
    #: For ``misnamed``: what is wrong with the name; for ``waiting``: who holds the lock; for
    #: ``unsupported`` and ``note``: what a run on this database does not guarantee; for
    #: ``out_of_order``: the newest applied migration; for ``retrying``: why, and which try.
    reason: str | None = None
    #: For ``missing``, ``modified`` and ``out_of_order``: the migrations concerned.
    names: tuple[str, ...] = ()
    #: For ``start``: the step's place in its run and the run's number of steps, ``(3, 40)``.
    position: tuple[int, int] | None = None

    @property
    def is_warning(self) -> bool:
        return self.event in _WARNINGS

    def describe(self) -> str:
        """One line for a person: ``Migrating: NAME``, ``Migrated: NAME (1.2 ms)``, ..."""
        if self.event == "waiting":
            holder = f" ({self.reason})" if self.reason else ""
            return (
                f"Waiting up to {self.seconds or 0:g} s for the migration lock: another "
                f"process holds it{holder}."
            )
        if self.event == "unsupported":
            return f"Warning: {self.reason}"
        if self.event == "note":
            return f"Note: {self.reason}"
        if self.event == "out_of_order":
            return (
                f"Warning: pending migrations dated before {self.reason}, the newest applied "
                f"one, run after it: {', '.join(self.names)} (out of order). "
                "HEROGOLD_MIGRATE_OUT_OF_ORDER (--out-of-order) error refuses such files, "
                "allow silences this warning. The run goes on."
            )
        if self.event == "retrying":
            return (
                f"A lock was not obtained in time for {self.name} ({self.reason}). Trying "
                f"again in {self.seconds or 0:g} s."
            )
        if self.event == "missing":
            return (
                f"Warning: the database has applied migrations this code does not have: "
                f"{', '.join(self.names)} (older code deployed, or files deleted; "
                "migrate:status lists them)."
            )
        if self.event == "modified":
            return (
                f"Warning: applied migrations edited since they ran: {', '.join(self.names)}. "
                "An edit does not run again: undo it, or write a new migration for the change "
                "(migrate:repair stores the new checksums)."
            )
        if self.event == "misnamed":
            file = f"{self.name}.py"
            # A name with a newline or other control character is shown escaped, on one line.
            shown = file if file.isprintable() else repr(file)
            return (
                f"Warning: {shown} is not run, its name is not a migration's: "
                f"{self.reason}. Name it like YYYYMMDD_name.py (or YYYYMMDD_02_name.py)."
            )
        if self.event == "still_running":
            return f"Still running {self.name}: {self.seconds or 0:.0f} s"
        if self.event == "recorded":
            if self.direction == "up":
                return f"Recorded as applied, not run: {self.name}"
            return f"Record removed, down() not run: {self.name}"
        starting, finished = _VERBS[self.direction]
        if self.event == "start":
            place = "" if self.position is None else f"[{self.position[0]}/{self.position[1]}] "
            return f"{place}{starting}: {self.name}"
        return f"{finished}: {self.name} ({_duration(self.seconds or 0)})"


_WARNINGS = frozenset(
    {"misnamed", "unsupported", "missing", "modified", "out_of_order", "retrying", "note"}
)
_VERBS = {"up": ("Migrating", "Migrated"), "down": ("Rolling back", "Rolled back")}


ProgressCallback = Callable[[Progress], None]


def _duration(seconds: float) -> str:
    """``12.3 ms`` under a second, ``4.2 s`` under a minute, ``2 min 5 s`` beyond."""
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"
