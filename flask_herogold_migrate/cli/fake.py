"""``--fake``: record migrations as applied, or remove their records, without running them."""

from __future__ import annotations

import click

from ..core import MigrationManager
from . import protection

FAKE_OPTION = click.option(
    "--fake",
    is_flag=True,
    help="Record the migrations as applied (migrate) or remove their records (rollback) "
    "without running up() or down(), for a schema already where they lead (Django's --fake, "
    "Alembic's stamp).",
)


def refuse_fake_pretend(fake: bool, pretend: bool) -> None:
    if fake and pretend:
        raise click.UsageError(
            "--fake records without running and --pretend shows what would run: give one."
        )


def confirm_fake(manager: MigrationManager, force: bool, consequence: str) -> None:
    protection.confirm(
        protected=manager.protected,
        force=force,
        command="migrate --fake",
        consequence=f"{consequence} without running them",
    )
