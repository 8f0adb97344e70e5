"""``migrate --all-tenants`` at fleet scale: ``--canary``, ``--max-failures``, Ctrl-C, and
each tenant numbered as it starts (:mod:`..core.targets.fleet` decides; this shows it)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import click

from ..core import MigrationManager
from ..core.targets.fleet import FleetPolicy, FleetRun, StopReason, run_fleet
from ..core.targets.runs import Target

Work = Callable[[Target, MigrationManager], list[str]]


def run_tenants(
    targets: list[Target], work: Work, *, jobs: int, policy: FleetPolicy, as_json: bool
) -> FleetRun:
    """``work`` on every tenant under ``policy``, each announced as it starts unless the
    output is JSON."""
    shown = work if as_json else _numbered(work, targets)
    return run_fleet(targets, shown, jobs=jobs, policy=policy, on_interrupt=_interrupted)


def report_stop(
    policy: FleetPolicy, stopped: StopReason | None, failures: int, *, as_json: bool
) -> None:
    """Say why the run stopped early, if it did; end with status 130 after a Ctrl-C."""
    why = policy.describe_stop(stopped, failures)
    if why is not None:
        click.echo(why, err=as_json)
    if stopped == "interrupted":
        raise click.exceptions.Exit(130)  # as the shell reports a process ended by Ctrl-C


def _interrupted() -> None:
    click.echo(
        "Interrupted: no other tenant will start; waiting for the running ones to finish "
        "(Ctrl-C again to abort them).",
        err=True,
    )


def _numbered(work: Work, targets: list[Target]) -> Work:
    """``work``, announcing first which of how many tenants starts: ``[acme] Tenant 3/40``."""
    places = {target.name: number for number, target in enumerate(targets, 1)}
    lock = threading.Lock()

    def one(target: Target, manager: MigrationManager) -> list[str]:
        with lock:
            click.echo(f"[{target.name}] Tenant {places[target.name]}/{len(targets)}")
        return work(target, manager)

    return one
