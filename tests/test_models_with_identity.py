"""A model whose key says ``sa.Identity()``, as the example app's migrations create it, matches
the schema on every database: SQLite, MariaDB and MySQL leave the identity out of CREATE TABLE
(for their own auto-numbering), so reflection cannot show it there."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from flask_herogold_migrate import MigrationManager
from flask_herogold_migrate.core.autogenerate.compare import compare_models

EXAMPLE_MIGRATIONS = Path(__file__).parent.parent / "example_app" / "migrations"


def example_models_with_identity_keys() -> sa.MetaData:
    models = sa.MetaData()
    sa.Table(
        "roles",
        models,
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("name", sa.String(50), nullable=False, unique=True),
    )
    sa.Table(
        "users",
        models,
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("email", sa.String(255), nullable=False, unique=True),
        sa.Column(
            "created_at",
            sa.DateTime,
            nullable=False,
            index=True,
            server_default=sa.func.current_timestamp(),
        ),
        sa.Column("role_id", sa.Integer, sa.ForeignKey("roles.id")),
    )
    return models


def test_an_identity_key_in_the_models_is_no_difference(database):
    MigrationManager(EXAMPLE_MIGRATIONS, engine=database.engine).run_migrations()

    with database.engine.connect() as conn:
        found = compare_models(
            conn, example_models_with_identity_keys(), tracking_table="migrations"
        )

    assert [d.describe() for d in found] == []
