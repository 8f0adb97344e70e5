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
    """Emits ``still_running`` every ``interval`` seconds while a step runs.

    One thread serves the whole run and sleeps until the running step is due a line: a step
    costs neither a thread nor a wake-up, so a run of many short steps pays next to nothing.
    """

    def __init__(self, emit: Callable[[Progress], None], interval: float) -> None:
        self.emit = emit
        self.interval = interval
        # Held while a line is emitted and while a step starts or stops: no line of a step
        # follows its end.
        self._changed = threading.Condition()
        self._step: Progress | None = None
        self._started = 0.0
        self._closed = False
        self._thread: threading.Thread | None = None

    def start(self, step: Progress) -> None:
        if not self.interval:
            return
        with self._changed:
            # No notification: the thread wakes when the step before was due a line, at the
            # latest, and finds this one, due later.
            self._step, self._started = step, time.monotonic()
            if self._thread is None:
                self._thread = threading.Thread(target=self._beat, name="heartbeat", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        with self._changed:
            self._step = None

    def close(self) -> None:
        with self._changed:
            self._step, self._closed = None, True
            self._changed.notify()
        if self._thread is not None:
            self._thread.join()

    def _beat(self) -> None:
        with self._changed:
            step, due = None, 0.0
            while not self._closed:
                if self._step is not step:  # another step began, or none runs
                    step, due = self._step, self._started + self.interval
                if step is None:
                    self._changed.wait(self.interval)
                    continue
                left = due - time.monotonic()
                if left > 0:
                    self._changed.wait(left)
                    continue
                seconds = time.monotonic() - self._started
                self.emit(Progress("still_running", step.name, step.direction, seconds))
                due += self.interval


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
        heartbeat.close()
