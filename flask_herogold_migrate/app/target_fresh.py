"""``migrate:fresh``, ``migrate:refresh`` and ``migrate:seed`` over many databases.

As ``migrate`` over many (:mod:`.target_runs`): binds one after the other, stopping at the
first failure; tenants ``--jobs`` at a time, each to the end, with a summary. Each target
plans its own seeders (its own seeders directory) before its work begins.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import current_app

from ..cli import protection
from ..cli.fresh import (
    FRESH_CONSEQUENCE,
    SEED_CONSEQUENCE,
    describe_objects,
    refresh_consequence,
    seed_progress,
)
from ..core import MigrationManager, fresh, plan_seed, refresh, seed
from ..core.seeding.runner import SeedPlan
from ..core.targets.runs import BindFailed, Target, run_each
from .config import settings_of
from .target_runs import Printer, Selection, targets_of

#: What one target's work gives: its JSON document (without its name and state).
Work = Callable[[Target, MigrationManager, Printer, bool], dict[str, Any]]


def fresh_many(
    selection: Selection, *, directory: Path | None, seed: bool, force: bool, as_json: bool
) -> None:
    def work(
        target: Target, manager: MigrationManager, out: Printer, quiet: bool
    ) -> dict[str, Any]:
        seeders = plan_seed(manager) if seed else None
        result = fresh(
            manager,
            lambda objects: out.line(
                target.name, f"Dropped: {describe_objects(objects)}.", err=quiet
            ),
        )
        seeded = _seed(target, manager, seeders, out, quiet)
        if not quiet:
            out.line(target.name, f"Applied {len(result.applied)} migration(s).")
        return {**result.to_json(), "seeded": seeded}

    _run_many(selection, directory, as_json, work, "migrate:fresh", FRESH_CONSEQUENCE, force)


def refresh_many(
    selection: Selection,
    *,
    directory: Path | None,
    steps: int | None,
    seed: bool,
    force: bool,
    as_json: bool,
) -> None:
    def work(
        target: Target, manager: MigrationManager, out: Printer, quiet: bool
    ) -> dict[str, Any]:
        seeders = plan_seed(manager) if seed else None
        result = refresh(manager, steps)
        seeded = _seed(target, manager, seeders, out, quiet)
        if not quiet:
            out.line(
                target.name,
                f"Rolled back {len(result.rolled_back)} migration(s), then applied "
                f"{len(result.applied)}.",
            )
        return {**result.to_json(), "seeded": seeded}

    consequence = refresh_consequence(steps)
    _run_many(selection, directory, as_json, work, "migrate:refresh", consequence, force)


def seed_many(
    selection: Selection,
    *,
    directory: Path | None,
    names: tuple[str, ...],
    force: bool,
    as_json: bool,
) -> None:
    def work(
        target: Target, manager: MigrationManager, out: Printer, quiet: bool
    ) -> dict[str, Any]:
        return {"seeded": _seed(target, manager, plan_seed(manager, names), out, quiet)}

    # Seeding adds rows: over every tenant it asks only where the database is protected.
    _run_many(
        selection, directory, as_json, work, "migrate:seed", SEED_CONSEQUENCE, force, adds=True
    )


def _seed(
    target: Target,
    manager: MigrationManager,
    plan: SeedPlan | None,
    out: Printer,
    quiet: bool,
) -> list[str] | None:
    if plan is None:
        return None
    shown = seed_progress(quiet, prefix=f"[{target.name}] ")
    return list(seed(manager, plan, shown).seeded)


def _run_many(
    selection: Selection,
    directory: Path | None,
    as_json: bool,
    work: Work,
    command: str,
    consequence: str,
    force: bool,
    *,
    adds: bool = False,
) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    protected = settings_of(app).protected
    printer = Printer()

    def one(target: Target, manager: MigrationManager) -> dict[str, Any]:
        manager.progress = printer.progress(target.name, warnings_only=as_json)
        return work(target, manager, printer, as_json)

    with targets_of(selection, directory) as targets:
        if selection.all_tenants and not force and (protected or not adds):
            raise click.ClickException(
                f"{command} --all-tenants {consequence} for every tenant ({len(targets)}): "
                "pass --force to go on. Nothing was done."
            )
        if selection.all_binds:
            protection.confirm(
                protected=protected,
                force=force,
                command=f"{command} --all-binds",
                consequence=f"{consequence}, on every bind",
            )
        results = run_each(
            targets, one, jobs=selection.jobs, stop_at_first_failure=selection.all_binds
        )
    ran = {result.target.name for result in results}
    not_run = [target.name for target in targets if target.name not in ran]
    document = {
        f"{selection.kind}s": [
            {
                selection.kind: result.target.name,
                "state": "failed" if result.failed else "done",
                **(result.value or {}),
                "error": result.message,
            }
            for result in results
        ],
        "not_run": not_run,
    }
    failed = [result for result in results if result.failed]
    if as_json:
        click.echo(json.dumps(document, indent=2))
    elif selection.all_tenants:
        lines = [f"Tenants: {len(results) - len(failed)} done, {len(failed)} failed."]
        lines += [f"  {result.target.name}: {result.message}" for result in failed]
        click.echo("\n".join(lines))
    if not failed:
        return
    if selection.all_binds:
        first = failed[0]
        assert first.error is not None
        raise click.ClickException(str(BindFailed.after(first.target.name, first.error, not_run)))
    names = ", ".join(result.target.name for result in failed)
    raise click.ClickException(
        f"{len(failed)} of {len(results)} tenants failed: {names}. The others ran."
    )
