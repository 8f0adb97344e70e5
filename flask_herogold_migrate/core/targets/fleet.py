"""Tenants at fleet scale: canaries first, a limit on failures, and a Ctrl-C that lets the
running tenants finish.

A run over hundreds of tenants should not apply a broken migration to all of them: with a
canary of N, the first N tenants run first, and a failure among them stops the run before
any other starts. With a limit of K failures, no tenant starts once K have failed. Ctrl-C
stops starting tenants; those running finish (each tenant runs on a worker thread, so the
interrupt never lands inside a migration), and the summary says what ran and what did not.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from ..manager import MigrationManager
from .runs import Target, TargetResult, run_each

R = TypeVar("R")

#: Why a run over many tenants stopped starting them.
StopReason = Literal["canary", "max-failures", "interrupted"]


@dataclass(frozen=True)
class FleetPolicy:
    """How a run over many tenants limits the damage of a bad migration."""

    #: Tenants to run first; a failure among them stops the run. 0: no canary.
    canary: int = 0
    #: Failures after which no tenant starts. None: no limit.
    max_failures: int | None = None

    def describe_stop(self, reason: StopReason | None, failures: int) -> str | None:
        """Why the run stopped, for a person; None if it did not."""
        if reason == "canary":
            return (
                f"Stopped after the canaries: {failures} of the first {self.canary} tenants "
                "failed, so no other tenant was started."
            )
        if reason == "max-failures":
            return (
                f"Stopped after {failures} failures (--max-failures {self.max_failures}): no "
                "tenant was started after that."
            )
        if reason == "interrupted":
            return "Interrupted: the tenants running finished; no other tenant was started."
        return None


@dataclass(frozen=True)
class FleetRun(Generic[R]):
    """What ran, in target order (the targets not listed were not started), and why the run
    stopped early, if it did."""

    results: list[TargetResult[R]]
    stopped: StopReason | None = None


def run_fleet(
    targets: Sequence[Target],
    work: Callable[[Target, MigrationManager], R],
    *,
    jobs: int = 1,
    policy: FleetPolicy | None = None,
    on_interrupt: Callable[[], None] = lambda: None,
    run: Callable[[Target], dict[str, Any]] = lambda target: {},
) -> FleetRun[R]:
    """``work`` on each target, ``jobs`` at a time, as :func:`run_each` (``run`` too), under
    ``policy``; a KeyboardInterrupt while it runs stops it as described above instead of
    propagating, and ``on_interrupt`` is called at once, before the running targets end."""
    policy = policy or FleetPolicy()
    if jobs < 1:
        raise ValueError("jobs must be 1 or more")
    stopping = threading.Event()
    lock = threading.Lock()
    done: dict[int, TargetResult[R]] = {}
    reason: list[StopReason] = []

    def failures() -> int:
        return sum(result.failed for result in done.values())

    def stop(why: StopReason) -> None:
        if not stopping.is_set():
            reason.append(why)
            stopping.set()

    def one(index: int) -> None:
        if stopping.is_set():
            return
        (result,) = run_each([targets[index]], work, run=run)
        with lock:
            done[index] = result
            limit = policy.max_failures
            if limit is not None and failures() >= limit:
                stop("max-failures")

    canaries = min(policy.canary, len(targets))
    phases = [range(canaries), range(canaries, len(targets))] if canaries else [range(len(targets))]
    pool = ThreadPoolExecutor(max_workers=max(1, min(jobs, len(targets))))
    futures: list[Future[None]] = []
    try:
        for number, phase in enumerate(phases):
            futures = [pool.submit(one, index) for index in phase]
            _wait_for(futures)
            if stopping.is_set():
                break
            if canaries and number == 0 and failures():
                stop("canary")
                break
    except KeyboardInterrupt:
        stop("interrupted")
        on_interrupt()
        for future in futures:
            future.cancel()
        _wait_for(futures)  # a second Ctrl-C here ends the process the usual way
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return FleetRun([done[i] for i in sorted(done)], reason[0] if reason else None)


def _wait_for(futures: list[Future[None]]) -> None:
    # In short waits: the main thread takes Ctrl-C between them, never inside a tenant's run.
    pending = set(futures)
    while pending:
        _, pending = wait(pending, timeout=0.2)
    for future in futures:
        if not future.cancelled():
            future.result()
