"""HEROGOLD_MIGRATE_PROTECTED: commands that undo or rewrite history ask first, or refuse."""

from __future__ import annotations

import pytest

from flask_herogold_migrate.cli import protection

PROTECTED = {"HEROGOLD_MIGRATE_PROTECTED": "1"}


@pytest.fixture
def applied(cli, database, create_table_migration):
    create_table_migration("20260301_one", "one")
    assert cli("migrate", env=PROTECTED).exit_code == 0  # a forward migrate is never asked


@pytest.mark.parametrize(
    ("command", "consequence"),
    [
        ("migrate:rollback", "undoes the last batch"),
        ("migrate:reset", "rolls back every applied migration"),
    ],
)
def test_without_a_terminal_a_protected_database_refuses_unless_forced(
    cli, database, applied, command, consequence
):
    refused = cli(command, env=PROTECTED, input="y\n")

    assert refused.exit_code == 1
    assert f"HEROGOLD_MIGRATE_PROTECTED is on, so {command} asks before it {consequence}" in (
        refused.output
    )
    assert "Pass --force to go on." in refused.output
    assert set(database.migration_rows()) == {"20260301_one"}
    assert "one" in database.table_names()

    forced = cli(command, "--force", env=PROTECTED)

    assert forced.exit_code == 0, forced.output
    assert database.migration_rows() == {}
    assert "one" not in database.table_names()


def test_repair_on_a_protected_database_refuses_without_a_terminal(
    cli, database, applied, migrations_dir
):
    path = migrations_dir / "20260301_one.py"
    path.write_text(path.read_text() + "\n# edited\n")
    before = database.migration_rows()["20260301_one"]["checksum"]

    refused = cli("migrate:repair", env=PROTECTED, input="y\n")

    assert refused.exit_code == 1
    assert "so migrate:repair asks before it changes the records listed above" in refused.output
    assert database.migration_rows()["20260301_one"]["checksum"] == before
    assert cli("migrate:repair", "--force", env=PROTECTED).exit_code == 0
    assert database.migration_rows()["20260301_one"]["checksum"] != before


@pytest.mark.parametrize(("answer", "rolled_back"), [("n\n", False), ("y\n", True)])
def test_at_a_terminal_a_protected_rollback_asks(
    cli, database, applied, monkeypatch, answer, rolled_back
):
    monkeypatch.setattr(protection, "stdin_is_a_terminal", lambda: True)

    result = cli("migrate:rollback", env=PROTECTED, input=answer)

    assert "HEROGOLD_MIGRATE_PROTECTED is on: migrate:rollback undoes the last batch." in (
        result.output
    )
    assert result.exit_code == (0 if rolled_back else 1)
    assert ("one" not in database.table_names()) is rolled_back


def test_an_unprotected_rollback_asks_nothing(cli, database, applied):
    result = cli("migrate:rollback")

    assert result.exit_code == 0, result.output
    assert "Continue?" not in result.output
    assert "one" not in database.table_names()


def test_the_flask_setting_protects_the_flask_commands(app, database, create_table_migration):
    create_table_migration("20260301_one", "one")
    app.config["HEROGOLD_MIGRATE_PROTECTED"] = True
    runner = app.test_cli_runner()
    assert runner.invoke(args=["migrate"]).exit_code == 0

    refused = runner.invoke(args=["migrate:rollback"])

    assert refused.exit_code == 1
    assert "HEROGOLD_MIGRATE_PROTECTED is on" in refused.output
    assert "one" in database.table_names()


def test_an_unanswered_question_says_nothing_was_done_and_how_to_skip_it(cli, database, applied):
    result = cli("migrate:reset", input="")

    assert result.exit_code == 1
    assert "migrate:reset rolls back every applied migration. Continue?" in result.output
    assert "Error: Not confirmed: migrate:reset did nothing. Pass --force" in result.output
    assert set(database.migration_rows()) == {"20260301_one"}
