"""``migrate:fresh``, ``migrate:refresh`` and ``migrate:seed``: Laravel's rebuild and seeding.

The core plans (what would be dropped, the seeders found and loaded) before anything runs;
these commands show the plan (``--pretend``), ask where the database is protected, and print
what was done, as text or as one JSON document (``--json``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..core import MigrationManager, create_seeder, fresh, plan_fresh, plan_seed, refresh, seed
from ..core.fresh.objects import DatabaseObjects
from ..core.seeding.runner import SeedPlan, SeedResult
from . import protection
from .output import print_progress, print_progress_to_stderr, spare_exit_collection, summary
from .repair import FORCE_OPTION

CommandFactory = Callable[..., Callable[[Callable[..., Any]], click.Command]]
OpenManager = Callable[..., MigrationManager]

_SEED = click.option(
    "--seed", is_flag=True, help="Then run every seeder (migrate:seed), in file-name order."
)
_JSON = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON document (progress on stderr)."
)
_PRETEND = click.option(
    "--pretend", is_flag=True, help="Show what would be dropped, rolled back, run or seeded."
)
SEEDER_OPTION = click.option(
    "--seeder",
    is_flag=True,
    help="Write a seeder, seeders/NAME.py (see migrate:seed), instead of a migration.",
)
FRESH_CONSEQUENCE = "drops every table, view and sequence of the database, then migrates"
SEED_CONSEQUENCE = "writes the seeders' rows"


def refresh_consequence(steps: int | None) -> str:
    undone = "every batch" if steps is None else f"the last {steps} batch(es)"
    return f"rolls back {undone} and migrates again"


def fresh_commands(command: CommandFactory, open_manager: OpenManager) -> list[click.Command]:
    """The three commands, made with ``build_commands``' factory."""

    def opened(directory: Path | None, extra: dict[str, Any], as_json: bool) -> MigrationManager:
        progress = print_progress_to_stderr if as_json else print_progress
        manager = open_manager(directory, extra, progress=progress)
        return manager

    @FORCE_OPTION
    @_SEED
    @_JSON
    @_PRETEND
    @command(
        "migrate:fresh",
        "Drop every table, view and sequence of the database (even those no migration "
        "made), then run every migration as batch 1.",
    )
    def fresh_command(
        directory: Path | None, seed: bool, force: bool, pretend: bool, as_json: bool, **extra: Any
    ) -> None:
        manager = opened(directory, extra, as_json)
        seeders = plan_seed(manager) if seed else None  # a broken seeder stops it here
        if pretend:
            plan = plan_fresh(manager)
            if as_json:
                document = {**plan.to_json(), "seed": [] if seeders is None else seeders.names}
                click.echo(json.dumps(document, indent=2))
                return
            click.echo(f"Would drop: {describe_objects(plan.objects)}.")
            click.echo(f"Would migrate: {_names(list(plan.migrations), 'migration')}.")
            if seeders is not None:
                click.echo(f"Would seed: {', '.join(seeders.names)}.")
            return
        protection.confirm(
            protected=manager.protected,
            force=force,
            command="migrate:fresh",
            consequence=FRESH_CONSEQUENCE,
        )

        def dropped(objects: DatabaseObjects) -> None:
            click.echo(f"Dropped: {describe_objects(objects)}.", err=as_json)

        result = fresh(manager, dropped)
        spare_exit_collection(list(result.applied))
        if not as_json:
            click.echo(summary("Applied", list(result.applied), manager))
        _finish(manager, seeders, as_json, result.to_json())

    @FORCE_OPTION
    @_SEED
    @_JSON
    @_PRETEND
    @click.option(
        "--steps",
        type=click.IntRange(min=1),
        default=None,
        help="Roll back only the last N batches (default: all of them).",
    )
    @command(
        "migrate:refresh",
        "Roll back every batch (or the last N) through down(), then migrate again.",
    )
    def refresh_command(
        directory: Path | None,
        steps: int | None,
        seed: bool,
        force: bool,
        pretend: bool,
        as_json: bool,
        **extra: Any,
    ) -> None:
        manager = opened(directory, extra, as_json)
        seeders = plan_seed(manager) if seed else None
        if pretend:
            from .preview import show_rehearsal

            rehearsal = (
                manager.pretend_reset() if steps is None else manager.pretend_rollback(steps)
            )
            show_rehearsal(rehearsal, as_json=as_json)
            if not as_json:
                click.echo("Then migrate would run every migration rolled back, and any pending.")
            return
        protection.confirm(
            protected=manager.protected,
            force=force,
            command="migrate:refresh",
            consequence=refresh_consequence(steps),
        )
        result = refresh(manager, steps)
        spare_exit_collection(list(result.applied))
        if not as_json:
            click.echo(
                f"{summary('Rolled back', list(result.rolled_back), manager)[:-1]}, then "
                f"{summary('applied', list(result.applied), manager)}"
            )
        _finish(manager, seeders, as_json, result.to_json())

    @FORCE_OPTION
    @_JSON
    @_PRETEND
    @click.argument("names", nargs=-1, metavar="[NAME]...")
    @command(
        "migrate:seed",
        "Run the seeders NAME... (file names without .py), else every one in file-name "
        "order, each in its own transaction. Refused while a migration is pending.",
    )
    def seed_command(
        directory: Path | None,
        names: tuple[str, ...],
        force: bool,
        pretend: bool,
        as_json: bool,
        **extra: Any,
    ) -> None:
        manager = opened(directory, extra, as_json)
        plan = plan_seed(manager, names)
        if pretend:
            if as_json:
                click.echo(json.dumps(plan.to_json(), indent=2))
            else:
                click.echo(f"Would seed: {', '.join(plan.names)}.")
            return
        protection.confirm(
            protected=manager.protected,
            force=force,
            command="migrate:seed",
            consequence=SEED_CONSEQUENCE,
        )
        result = _seed(manager, plan, as_json)
        assert result is not None
        if as_json:
            click.echo(json.dumps(result.to_json(), indent=2))

    return [fresh_command, refresh_command, seed_command]


def make_seeder(manager: MigrationManager, name: str) -> None:
    """``migrate:make NAME --seeder``."""
    click.echo(f"Created seeder {create_seeder(name, manager.seeders_dir)}")


def describe_objects(objects: DatabaseObjects) -> str:
    """``3 tables (a, b, c), 1 view (v)``, or ``nothing``."""
    parts = [
        _names(list(names), kind.rstrip("s").replace("_", " "))
        for kind, names in objects.by_kind().items()
        if names
    ]
    return ", ".join(parts) or "nothing"


def _names(names: list[str], noun: str) -> str:
    counted = f"{len(names)} {noun}{'' if len(names) == 1 else 's'}"
    return f"{counted} ({', '.join(names)})" if names else counted


def seed_progress(as_json: bool, prefix: str = "") -> Callable[[str, float | None], None]:
    def show(name: str, seconds: float | None) -> None:
        if seconds is None:
            click.echo(f"{prefix}Seeding: {name}", err=as_json)
        else:
            click.echo(f"{prefix}Seeded: {name} ({seconds * 1000:.1f} ms)", err=as_json)

    return show


def _finish(
    manager: MigrationManager, seeders: SeedPlan | None, as_json: bool, document: dict[str, Any]
) -> None:
    """Seed after fresh or refresh, if asked; with --json, print the whole command's document."""
    seeded = _seed(manager, seeders, as_json)
    if as_json:
        document["seeded"] = None if seeded is None else list(seeded.seeded)
        click.echo(json.dumps(document, indent=2))


def _seed(manager: MigrationManager, plan: SeedPlan | None, as_json: bool) -> SeedResult | None:
    if plan is None:
        return None
    result = seed(manager, plan, seed_progress(as_json))
    if not as_json:
        click.echo(f"Seeded {_names(list(result.seeded), 'seeder')}.")
    return result
