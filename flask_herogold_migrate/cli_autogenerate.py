"""How the commands run ``migrate:check``.

The core compares (:mod:`.core.check`); this module shows what it found and sets the exit
status. Loaded only by its commands, so every other command starts without it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from .core.models import model_table_names, resolve_model_metadata

if TYPE_CHECKING:
    from sqlalchemy import MetaData

    from .core import MigrationManager
    from .core.autogenerate import AutogeneratePlan

_NO_MODELS = (
    "Warning: no model tables found (Flask-SQLAlchemy's db.metadata and SQLModel.metadata "
    "are empty). Does create_app() import the models? A model's table is registered when "
    "its module is imported. HEROGOLD_MIGRATE_METADATA (or --metadata) names them instead, "
    "such as myapp.models:db.metadata."
)


def show_check(manager: MigrationManager, *, models: str | None, as_json: bool) -> None:
    """``migrate:check``: print what differs; exit with status 1 if anything does."""
    metadata = _models(models)
    result = manager.check_models(metadata or [])
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        if result.pending:
            click.echo(f"Pending migrations: {', '.join(result.pending)}")
        if result.failed:
            click.echo(f"Failed migrations: {', '.join(result.failed)}")
        if not result.compared:
            click.echo("The models were not compared: apply (or repair) the migrations first.")
        for difference in result.differences:
            click.echo(difference.describe())
        if result.differences:
            count = len(result.differences)
            click.echo(
                f"The models differ from the database ({count} difference"
                f"{'s' if count != 1 else ''}): migrate:make NAME --autogenerate writes the "
                "migration."
            )
        elif result.ok:
            click.echo("The database is migrated and matches the models.")
    if not result.ok:
        click.get_current_context().exit(1)


def _models(setting: str | None) -> list[MetaData] | None:
    """The models' metadata, or None (with one warning) when they have no table."""
    metadata = resolve_model_metadata(setting)
    if not model_table_names(metadata):
        click.echo(_NO_MODELS, err=True)
        return None
    return metadata


def _say_tables_left_alone(plan: AutogeneratePlan) -> None:
    if plan.tables_left_alone:
        click.echo(
            f"Left alone (no model describes them): {', '.join(plan.tables_left_alone)}.",
            err=True,
        )
