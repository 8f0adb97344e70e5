"""migrate:repair: shows the repair plan the core makes, asks, and has exactly that done."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..core import MigrationManager
from . import protection
from .output import repair_table

CommandFactory = Callable[..., Callable[[Callable[..., Any]], click.Command]]

FORCE_OPTION = click.option(
    "--force",
    is_flag=True,
    help="Do not ask for confirmation (needed without a terminal where "
    "HEROGOLD_MIGRATE_PROTECTED is on).",
)


def repair_command(
    command: CommandFactory,
    open_manager: Callable[[Path | None, dict[str, Any]], MigrationManager],
) -> click.Command:
    """migrate:repair, made with ``build_commands``' factory."""

    @FORCE_OPTION
    @click.option(
        "--forget-missing",
        is_flag=True,
        help="Also remove the records of applied migrations whose file is gone, without "
        "running anything.",
    )
    @click.option(
        "--rename-moved",
        is_flag=True,
        help="Also make the record of an applied migration whose file was renamed (same "
        "content, new name) name the new file.",
    )
    @command("migrate:repair", "Clear failed records and store the checksums of changed files.")
    def repair(
        directory: Path | None,
        force: bool,
        forget_missing: bool,
        rename_moved: bool,
        **extra: Any,
    ) -> None:
        manager = open_manager(directory, extra)
        plan = manager.plan_repair(
            realign_checksums=True, forget_missing=forget_missing, rename_moved=rename_moved
        )
        if plan.kept_renames:
            renames = ", ".join(f"{old} -> {new}" for old, new in plan.kept_renames)
            click.echo(
                f"Kept the records of renamed files ({renames}): --rename-moved follows them."
            )
        if plan.kept_missing:
            click.echo(
                f"Kept the records of missing files ({', '.join(plan.kept_missing)}): "
                "--forget-missing removes them."
            )
        if not plan.actions:
            click.echo("Nothing to repair.")
            return
        click.echo(repair_table(plan))
        protection.confirm(
            protected=manager.protected,
            force=force,
            command="migrate:repair",
            consequence="changes the records listed above",
            always=True,
        )
        result = manager.repair(plan)
        forgot = f", forgot {len(result.forgotten)} of missing files" if forget_missing else ""
        renamed = f", followed {len(result.renamed)} renamed file(s)" if rename_moved else ""
        click.echo(
            f"Removed {len(result.removed)} failed record(s), restored "
            f"{len(result.restored)} as applied, updated {len(result.realigned)} "
            f"checksum(s){forgot}{renamed}."
        )

    return repair
