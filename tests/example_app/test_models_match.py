"""The example app's migrations build exactly what its models describe: ``migrate:check``
passes once they are applied, on SQLite, PostgreSQL and MariaDB, and autogenerate finds
nothing to write. Each database spells some of it its own way (an identity key, a default
given back as ``current_timestamp()``): none of that is a difference."""

from __future__ import annotations


def test_migrate_check_passes_once_migrated(app, migrations_dir):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["migrate"]).exit_code == 0

    check = runner.invoke(args=["migrate:check"])
    make = runner.invoke(args=["migrate:make", "nothing", "--autogenerate", "--dir",
                               str(migrations_dir)])  # fmt: skip

    assert check.exit_code == 0, check.output
    assert check.output == "The database is migrated and matches the models.\n"
    assert make.output == "No changes: the models match the database.\n"


def test_migrate_check_fails_before_migrating(app):
    check = app.test_cli_runner().invoke(args=["migrate:check", "--json"])

    assert check.exit_code == 1
    assert '"20250301_create_users_table"' in check.output
