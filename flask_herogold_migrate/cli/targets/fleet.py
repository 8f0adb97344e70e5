"""``migrate --all-tenants`` at fleet scale: ``--canary``, ``--max-failures``, a Ctrl-C that
lets the running tenants finish, and each tenant numbered as it starts
(:mod:`...core.targets.fleet` decides; this shows it)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import click

from ...core import MigrationManager
from ...core.targets.fleet import FleetPolicy, FleetRun, StopReason, run_fleet
from ...core.targets.runs import Target
from ...core.targets.selection import TargetPlan
from .ending import Ending, conclude
from .options import Output, Printer, run_over

R = TypeVar("R")


def take_policy(extra: dict[str, Any]) -> FleetPolicy:
    """``--canary`` and ``--max-failures``, taken out of a command's keyword arguments."""
    canary, max_failures = extra.pop("canary", 0), extra.pop("max_failures", None)
    if (canary or max_failures) and not extra.get("all_tenants"):
        raise click.UsageError("--canary and --max-failures go with --all-tenants.")
    return FleetPolicy(canary, max_failures)


def run_tenants(
    plan: TargetPlan,
    work: Callable[[Target, MigrationManager, Output], R],
    *,
    policy: FleetPolicy,
    quiet: bool,
    opened: Mapping[str, Any],
) -> FleetRun[R]:
    """``work`` on every tenant of ``plan`` under ``policy``, each announced as it starts
    (``[acme] Tenant 3/40``) unless the output is JSON; managers opened with ``opened``."""
    printer = Printer()
    places = {target.name: number for number, target in enumerate(plan.targets, 1)}

    def one(target: Target, manager: MigrationManager) -> R:
        out = Output(target.name, printer, quiet)
        if not quiet:
            out.echo(f"Tenant {places[target.name]}/{len(places)}")
        return work(target, manager, out)

    def run(target: Target) -> dict[str, Any]:
        return {"progress": Output(target.name, printer, quiet).progress, **opened}

    return run_fleet(
        plan.targets, one, jobs=plan.jobs, policy=policy, on_interrupt=_interrupted, run=run
    )


def run_all(
    plan: TargetPlan,
    work: Callable[[Target, MigrationManager, Output], R],
    policy: FleetPolicy | None,
    *,
    quiet: bool,
    single_transaction: bool | None,
    opened: Mapping[str, Any] | None,
) -> FleetRun[R]:
    """``work`` on every target as :func:`.options.run_over` does; over every tenant, under
    ``policy`` (``--canary``, ``--max-failures``), where Ctrl-C lets the running tenants
    finish. ``opened``: more arguments of the managers (``skip_post_deploy``)."""
    if policy is None or not (plan.many and plan.kind == "tenant"):
        ran = run_over(
            plan, work, quiet=quiet, single_transaction=single_transaction, opened=opened
        )
        return FleetRun(ran)
    run = {} if single_transaction is None else {"single_transaction": single_transaction}
    fleet = run_tenants(plan, work, policy=policy, quiet=quiet, opened={**run, **(opened or {})})
    report_stop(policy, fleet.stopped, sum(r.failed for r in fleet.results), err=quiet)
    return fleet


def conclude_run(plan: TargetPlan, fleet: FleetRun[R], ending: Ending[R], *, as_json: bool) -> None:
    """:func:`.ending.conclude`; after a Ctrl-C, its summary, then exit status 130."""
    if fleet.stopped != "interrupted":
        conclude(plan, fleet.results, ending, as_json=as_json)
        return
    try:
        conclude(plan, fleet.results, ending, as_json=as_json)
    except click.ClickException as error:
        error.show()
    raise click.exceptions.Exit(130)  # as the shell reports a process ended by Ctrl-C


def report_stop(
    policy: FleetPolicy, stopped: StopReason | None, failures: int, *, err: bool
) -> None:
    """Say why the run stopped early, if it did."""
    why = policy.describe_stop(stopped, failures)
    if why is not None:
        click.echo(why, err=err)


def _interrupted() -> None:
    click.echo(
        "Interrupted: no other tenant will start; waiting for the running ones to finish "
        "(Ctrl-C again to abort them).",
        err=True,
    )
