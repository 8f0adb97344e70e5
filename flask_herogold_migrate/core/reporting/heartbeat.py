"""Progress a person can follow: each step's place in its run (``[3/40]``), and a line every
few seconds while one step runs, so a long backfill does not look hung (nor get killed by a
probe that watches the output).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING

from ..progress import Progress

if TYPE_CHECKING:
    from ..runtime.plan import MigrationPlan

#: Seconds between two "still running" lines of one step.
DEFAULT_HEARTBEAT_INTERVAL = 10.0


class _Heartbeat:
    """Emits ``still_running`` every ``interval`` seconds, from a thread, until stopped."""

    def __init__(self, emit: Callable[[Progress], None], interval: float) -> None:
        self.emit = emit
        self.interval = interval
        self._stopped: threading.Event | None = None
        # Held while a line is emitted and while stopping: no line follows the step's end.
        self._lock = threading.Lock()

    def start(self, step: Progress) -> None:
        self.stop()
        if not self.interval:
            return
        stopped = self._stopped = threading.Event()
        started = time.monotonic()

        def beat() -> None:
            while not stopped.wait(self.interval):
                with self._lock:
                    if stopped.is_set():
                        return
                    seconds = time.monotonic() - started
                    self.emit(Progress("still_running", step.name, step.direction, seconds))

        threading.Thread(target=beat, name=f"heartbeat {step.name}", daemon=True).start()

    def stop(self) -> None:
        with self._lock:
            if self._stopped is not None:
                self._stopped.set()
                self._stopped = None


@contextmanager
def shown_progress(
    plan: MigrationPlan, emit: Callable[[Progress], None], interval: float | None
) -> Iterator[Callable[[Progress], None]]:
    """Yields the callback for the executor: ``emit``, with each start numbered in ``plan``
    and, while a step runs, a ``still_running`` line every ``interval`` seconds (None: none)."""
    places = {step.name: number for number, step in enumerate(plan.steps, 1)}
    heartbeat = _Heartbeat(emit, interval or 0)

    def relay(progress: Progress) -> None:
        if progress.event == "start":
            place = places.get(progress.name)
            if place is not None:
                progress = replace(progress, position=(place, len(places)))
            emit(progress)
            heartbeat.start(progress)
            return
        if progress.event == "done":
            heartbeat.stop()
        emit(progress)

    try:
        yield relay
    finally:
        heartbeat.stop()
