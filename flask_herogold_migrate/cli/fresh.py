"""``migrate:fresh``, ``migrate:refresh`` and ``migrate:seed``: Laravel's rebuild and seeding.

The core plans (what would be dropped, the seeders found and loaded) before anything runs;
these commands show the plan (``--pretend``), ask where the database is protected, and print
what was done, as text or as one JSON document (``--json``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..core import MigrationManager, create_seeder, fresh, plan_fresh, plan_seed, refresh, seed
from ..core.fresh.objects import DatabaseObjects
from ..core.seeding.runner import SeedPlan, refuse_pending_migrations
from ..core.targets.runs import Target
from ..core.targets.selection import TargetSource
from .output import spare_exit_collection, summary
from .repair import FORCE_OPTION
from .runs import run_rebuild
from .targets.options import Output

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


def fresh_commands(
    command: CommandFactory, open_one: OpenManager, source: TargetSource
) -> list[click.Command]:
    """The three commands, made with ``build_commands``' factory; each runs over the targets
    ``source`` offers (one database is a list of one)."""

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
        def would(target: Target, manager: MigrationManager, out: Output) -> dict[str, Any]:
            seeders = plan_seed(manager) if seed else None  # a broken seeder stops it here
            plan = plan_fresh(manager)
            if not as_json:
                out.echo(f"Would drop: {describe_objects(plan.objects)}.")
                out.echo(f"Would migrate: {_names(list(plan.migrations), 'migration')}.")
                if seeders is not None:
                    out.echo(f"Would seed: {', '.join(seeders.names)}.")
            return {**plan.to_json(), "seed": [] if seeders is None else seeders.names}

        def work(target: Target, manager: MigrationManager, out: Output) -> dict[str, Any]:
            seeders = plan_seed(manager) if seed else None
            result = fresh(
                manager, lambda objects: out.echo(f"Dropped: {describe_objects(objects)}.")
            )
            spare_exit_collection(list(result.applied))
            if not as_json:
                out.echo(summary("Applied", list(result.applied), manager))
            return {**result.to_json(), "seeded": _seed(manager, seeders, out)}

        rebuild = would if pretend else work
        run_rebuild(
            source,
            directory,
            extra,
            rebuild,
            "migrate:fresh",
            FRESH_CONSEQUENCE,
            force,
            pretend,
            as_json,
        )

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
        def would(target: Target, manager: MigrationManager, out: Output) -> dict[str, Any]:
            from .preview import rehearsal_problem, rehearsal_text

            if seed:
                plan_seed(manager)
            rehearsal = (
                manager.pretend_reset() if steps is None else manager.pretend_rollback(steps)
            )
            if not as_json:
                out.echo(rehearsal_text(rehearsal))
                out.echo("Then migrate would run every migration rolled back, and any pending.")
            problem = rehearsal_problem(rehearsal)
            if problem is not None:
                raise click.ClickException(problem)
            return rehearsal.to_json()

        def work(target: Target, manager: MigrationManager, out: Output) -> dict[str, Any]:
            seeders = plan_seed(manager) if seed else None
            result = refresh(manager, steps)
            spare_exit_collection(list(result.applied))
            if not as_json:
                out.echo(
                    f"{summary('Rolled back', list(result.rolled_back), manager)[:-1]}, then "
                    f"{summary('applied', list(result.applied), manager)}"
                )
            return {**result.to_json(), "seeded": _seed(manager, seeders, out)}

        consequence = refresh_consequence(steps)
        rebuild = would if pretend else work
        run_rebuild(
            source,
            directory,
            extra,
            rebuild,
            "migrate:refresh",
            consequence,
            force,
            pretend,
            as_json,
        )

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
        def work(target: Target, manager: MigrationManager, out: Output) -> dict[str, Any]:
            plan = plan_seed(manager, names)
            if pretend:
                refuse_pending_migrations(manager)  # as the seeding itself would
                if not as_json:
                    out.echo(f"Would seed: {', '.join(plan.names)}.")
                return plan.to_json()
            result = seed(manager, plan, seed_progress(out))
            if not as_json:
                out.echo(f"Seeded {_names(list(result.seeded), 'seeder')}.")
            return result.to_json()

        # Seeding adds rows: over every tenant it asks only where the database is protected.
        run_rebuild(
            source,
            directory,
            extra,
            work,
            "migrate:seed",
            SEED_CONSEQUENCE,
            force,
            pretend,
            as_json,
            adds=True,
        )

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


def seed_progress(out: Output) -> Callable[[str, float | None], None]:
    def show(name: str, seconds: float | None) -> None:
        if seconds is None:
            out.echo(f"Seeding: {name}")
        else:
            out.echo(f"Seeded: {name} ({seconds * 1000:.1f} ms)")

    return show


def _seed(manager: MigrationManager, plan: SeedPlan | None, out: Output) -> list[str] | None:
    if plan is None:
        return None
    result = seed(manager, plan, seed_progress(out))
    out.echo(f"Seeded {_names(list(result.seeded), 'seeder')}.")
    return list(result.seeded)
