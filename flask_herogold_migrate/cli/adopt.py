"""migrate:adopt and migrate:squash: show the plan the core makes, then have it carried out.

Each imports the core's adopt package when it runs (it loads Alembic's autogenerate), so the
other commands start without it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..core import MigrationManager
from . import protection
from .output import print_progress, print_progress_to_stderr
from .repair import FORCE_OPTION

if TYPE_CHECKING:
    from ..core.adopt.adopt import AdoptPlan
    from ..core.adopt.from_alembic import AlembicAdoptPlan

CommandFactory = Callable[..., Callable[[Callable[..., Any]], click.Command]]
OpenManager = Callable[..., MigrationManager]


def adopt_commands(command: CommandFactory, open_manager: OpenManager) -> list[click.Command]:
    """migrate:adopt and migrate:squash, made with ``build_commands``' factory."""

    @click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
    @click.option(
        "--pretend",
        is_flag=True,
        help="Show the baseline (or the converted history) and how it was verified; write and "
        "record nothing.",
    )
    @click.option(
        "--drop-alembic-version",
        is_flag=True,
        help="Drop Alembic's alembic_version table once adopted (kept by default, so going "
        "back to Flask-Migrate stays possible).",
    )
    @click.option(
        "--accept-differences",
        is_flag=True,
        help="Record even if the schema the migrations build differs from the live one (the "
        "differences are listed): for a difference you will fix in the file yourself.",
    )
    @FORCE_OPTION
    @click.option(
        "--from-alembic",
        "alembic_dir",
        type=click.Path(file_okay=False, path_type=Path),
        metavar="DIR",
        help="Keep the history: convert each revision of the Alembic (Flask-Migrate) directory "
        "DIR into a migration, and record those up to the database's revision as applied.",
    )
    @click.option(
        "--name",
        default="baseline",
        show_default=True,
        help="The baseline migration's name (without --from-alembic).",
    )
    @command(
        "migrate:adopt",
        "Take over a database made by Flask-Migrate (Alembic) or create_all(): write a "
        "baseline migration of its live schema, check on a throwaway database that it builds "
        "the same schema, and record it as applied without running it. Tables and rows are "
        "never touched.",
    )
    def adopt(
        directory: Path | None,
        name: str,
        alembic_dir: Path | None,
        force: bool,
        accept_differences: bool,
        drop_alembic_version: bool,
        pretend: bool,
        as_json: bool,
        **extra: Any,
    ) -> None:
        progress = print_progress_to_stderr if as_json else print_progress
        manager = open_manager(directory, extra, progress=progress)
        if alembic_dir is not None:
            _adopt_history(
                manager,
                alembic_dir,
                force=force,
                accept=accept_differences,
                pretend=pretend,
                as_json=as_json,
            )
            return
        from ..core.adopt.adopt import adopt as adopt_database
        from ..core.adopt.adopt import plan_adopt

        plan = plan_adopt(manager, name=name)
        _show_plan(plan, pretend=pretend, as_json=as_json, accept=accept_differences)
        if pretend:
            return
        _confirm(manager, force)
        done = adopt_database(
            manager,
            plan,
            accept_differences=accept_differences,
            drop_alembic_version=drop_alembic_version,
        )
        if as_json:
            click.echo(json.dumps({**plan.to_json(), "path": str(done.path)}, indent=2))
            return
        click.echo(
            f"Wrote {done.path} and recorded it as applied without running it: "
            f"{plan.database} is now migrated by flask-herogold-migrate."
        )
        if done.dropped_alembic_version:
            click.echo("Dropped alembic_version.")
        elif plan.alembic_revision is not None:
            click.echo(
                f"alembic_version is left in place (revision {plan.alembic_revision}): "
                "--drop-alembic-version drops it once Flask-Migrate is gone."
            )

    from .squash import squash_command

    return [adopt, squash_command(command, open_manager)]


def _show_plan(plan: AdoptPlan, *, pretend: bool, as_json: bool, accept: bool) -> None:
    baseline = plan.baseline
    for item in baseline.not_expressible:
        click.echo(
            f"Warning: the baseline cannot create the {item}: a TODO in the file says so.",
            err=True,
        )
    if baseline.differences and (pretend or accept):  # else the refusal lists them
        lines = "\n".join(f"  {line}" for line in baseline.differences)
        click.echo(f"The baseline does not build the live schema:\n{lines}", err=True)
    if not pretend:
        return
    if as_json:
        click.echo(json.dumps(plan.to_json(), indent=2))
        return
    click.echo(baseline.source)
    verdict = "builds the live schema" if baseline.verified else "differs (listed above)"
    click.echo(
        f"Would write {plan.path} ({len(baseline.tables)} tables; checked on a throwaway "
        f"database: it {verdict}) and record it as applied. Nothing was changed.",
        err=True,
    )


def _adopt_history(
    manager: MigrationManager,
    directory: Path,
    *,
    force: bool,
    accept: bool,
    pretend: bool,
    as_json: bool,
) -> None:
    from ..core.adopt.from_alembic import adopt_from_alembic, plan_adopt_from_alembic

    plan = plan_adopt_from_alembic(manager, directory)
    if plan.differences and (pretend or accept):  # else the refusal lists them
        lines = "\n".join(f"  {line}" for line in plan.differences)
        click.echo(f"The converted history does not build the live schema:\n{lines}", err=True)
    if pretend:
        _show_history(plan, as_json=as_json)
        return
    _confirm(manager, force)
    written = adopt_from_alembic(manager, plan, accept_differences=accept)
    if as_json:
        click.echo(json.dumps(plan.to_json(), indent=2))
        return
    click.echo(
        f"Converted {len(written)} Alembic revisions into {manager.migrations_dir}; recorded "
        f"{len(plan.applied)} as applied (up to revision {plan.alembic_revision}) without "
        f"running them; {len(plan.pending)} pending: run flask migrate to apply them."
    )


def _show_history(plan: AlembicAdoptPlan, *, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(plan.to_json(), indent=2))
        return
    for converted in plan.converted:
        state = "applied" if converted.stem in plan.applied else "pending"
        click.echo(f"{converted.stem}  (revision {converted.revision.revision}, {state})")
    click.echo("Nothing was changed.", err=True)


def _confirm(manager: MigrationManager, force: bool) -> None:
    protection.confirm(
        protected=manager.protected,
        force=force,
        command="migrate:adopt",
        consequence="records migrations as applied without running them",
    )
