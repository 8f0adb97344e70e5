"""``migrate:check`` passes only what it checked: no directory, no models, no pass."""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa


def users_model() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table("users", metadata, sa.Column("id", sa.Integer, primary_key=True))
    return metadata


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)  # files, not the database
def test_a_missing_migrations_directory_is_refused_as_status_refuses_it(app, cli, migrations_dir):
    shutil.rmtree(migrations_dir)
    app.config["HEROGOLD_MIGRATE_METADATA"] = users_model()

    checked = app.test_cli_runner().invoke(args=["migrate:check"])
    standalone = cli("migrate:check")

    for result in (checked, standalone):
        assert result.exit_code == 1, result.output
        assert "does not exist" in result.output
        assert "matches the models" not in result.output
    assert "does not exist" in cli("migrate:status").output


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)  # no database behaviour
def test_no_model_tables_never_says_the_models_match(app, write_migration, cli):
    write_migration("20260301_users", "CREATE TABLE users (id INTEGER PRIMARY KEY)")
    assert cli("migrate").exit_code == 0
    app.config["HEROGOLD_MIGRATE_METADATA"] = sa.MetaData()

    result = app.test_cli_runner().invoke(args=["migrate:check"])

    assert "no model tables found" in result.output
    assert "matches the models" not in result.output
    assert "no models were compared" in result.output
