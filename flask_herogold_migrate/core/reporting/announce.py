"""Sending the run's signals (:mod:`..events`) around the executor, when someone listens.

The signals' module is looked for among the loaded modules, not imported: a subscriber
imported it, and without one a run neither imports blinker nor sends anything.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import MigrationFailed
from ..progress import Progress
from .heartbeat import shown_progress

if TYPE_CHECKING:
    from ..events import Signals
    from ..runtime.plan import MigrationPlan

_EVENTS = "flask_herogold_migrate.core.events"


class Reporting(Protocol):
    """What a run's reporting reads from its manager."""

    heartbeat_interval: float | None
    target_name: str | None


@contextmanager
def reported(
    manager: Reporting, plan: MigrationPlan, emit: Callable[[Progress], None]
) -> Iterator[Callable[[Progress], None]]:
    """The callback a run of ``plan`` gives its executor: ``emit``, with numbered steps and
    heartbeats (:mod:`.heartbeat`), relaying the steps as signals to any subscriber."""
    with (
        shown_progress(plan, emit, manager.heartbeat_interval) as shown,
        announced(manager, plan, manager.target_name, shown) as relay,
    ):
        yield relay


def _listening() -> Signals | None:
    module = sys.modules.get(_EVENTS)
    signals: Signals | None = None if module is None else module.signals
    return signals if signals is not None and signals.receivers_connected() else None


@contextmanager
def announced(
    sender: object,
    plan: MigrationPlan,
    target: str | None,
    emit: Callable[[Progress], None],
) -> Iterator[Callable[[Progress], None]]:
    """Yields the progress callback to give the executor: ``emit``, relaying the steps'
    start and end as signals when someone listens."""
    signals = _listening()
    if signals is None or not plan.steps:
        yield emit
        return
    direction = plan.direction
    done: list[str] = []
    step_started = [time.perf_counter()]

    def send(signal: Any, name: str | None, duration: float | None, **extra: Any) -> None:
        signal.send(
            sender, name=name, direction=direction, duration=duration, target=target, **extra
        )

    def relay(progress: Progress) -> None:
        emit(progress)
        if progress.event == "start":
            step_started[0] = time.perf_counter()
            send(signals.migration_started, progress.name, None)
        elif progress.event == "done":
            up = direction == "up"
            finished = signals.migration_applied if up else signals.migration_rolled_back
            done.append(progress.name)
            send(finished, progress.name, progress.seconds)

    started = time.perf_counter()
    send(signals.run_started, None, None)
    try:
        yield relay
    except MigrationFailed as error:
        send(
            signals.migration_failed, error.name, time.perf_counter() - step_started[0], error=error
        )
        raise
    finally:
        send(signals.run_finished, None, time.perf_counter() - started, names=tuple(done))
