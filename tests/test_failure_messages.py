"""What a failing migration tells its user: where it failed, the way out, the whole chain."""

from __future__ import annotations

import sys
import textwrap

import pytest

HELPER_MODULE = """
    def first_admin(users):
        return users["admin"]
"""

CALLS_A_HELPER = """
    from flask_herogold_migrate import Migration
    from herogold_test_helpers import first_admin


    class SeedAdmin(Migration):
        def up(self, session):
            users = {}
            first_admin(users)

        def down(self, session):
            pass
"""


@pytest.fixture
def helper_module(tmp_path, monkeypatch):
    """A module of the application's own, as a migration imports one, that raises KeyError."""
    package_dir = tmp_path / "app_code"
    package_dir.mkdir()
    (package_dir / "herogold_test_helpers.py").write_text(textwrap.dedent(HELPER_MODULE))
    monkeypatch.syspath_prepend(str(package_dir))
    # Each test has its own copy: the one an earlier test imported must not be reused.
    monkeypatch.delitem(sys.modules, "herogold_test_helpers", raising=False)
    yield package_dir / "herogold_test_helpers.py"
    sys.modules.pop("herogold_test_helpers", None)


def test_a_failure_in_a_helper_names_the_line_of_the_migration_file_that_called_it(
    cli, database, write_migration, helper_module
):
    path = write_migration("20260301_seed_admin", body=CALLS_A_HELPER)
    calling_line = textwrap.dedent(CALLS_A_HELPER).splitlines().index("        first_admin(users)")

    result = cli("migrate")

    assert result.exit_code == 1
    assert "Migration 20260301_seed_admin failed in up(): KeyError: 'admin'." in result.output
    assert f"It failed at {path}, line {calling_line + 1}, in up()." in result.output
    assert "Traceback" not in result.output
    assert "20260301_seed_admin" not in database.migration_rows()


def test_traceback_shows_the_whole_chain_down_to_the_helper(
    cli, database, write_migration, helper_module
):
    write_migration("20260301_seed_admin", body=CALLS_A_HELPER)

    result = cli("migrate", "--traceback")

    assert result.exit_code == 1
    output = result.output
    assert "Traceback (most recent call last)" in output
    # The helper's own frame, then the chain up to the error the command reports.
    assert f'File "{helper_module}", line 3, in first_admin' in output
    assert "The above exception was the direct cause of the following exception" in output
    assert "flask_herogold_migrate.core.errors.MigrationFailed: Migration 20260301_seed_admin" in (
        output
    )
    assert (
        output.rstrip()
        .splitlines()[-1]
        .startswith("Error: Migration 20260301_seed_admin failed in up(): KeyError: 'admin'.")
    )


@pytest.mark.parametrize("command", ["migrate:status", "migrate:rollback", "migrate:repair"])
@pytest.mark.sqlite_only
def test_every_command_takes_traceback(cli, database, command):
    result = cli(command, "--traceback", "--help")

    assert result.exit_code == 0
    assert "--traceback" in result.output


@pytest.mark.sqlite_only
def test_an_error_before_any_migration_runs_shows_its_traceback_on_request(cli, database):
    result = cli("migrate", "--target", "nowhere", "--traceback")

    assert result.exit_code == 1
    assert "Traceback (most recent call last)" in result.output
    assert "UnknownTarget: Unknown target 'nowhere'" in result.output


#: Statements each database refuses inside a transaction.
NEEDS_NO_TRANSACTION = {
    "sqlite": "VACUUM",
    "postgresql": "CREATE INDEX CONCURRENTLY ix_t_v ON t (v)",
}


@pytest.mark.parametrize("database", list(NEEDS_NO_TRANSACTION), indirect=True)
def test_a_statement_refused_in_a_transaction_says_to_set_transactional_false(
    cli, database, write_migration
):
    write_migration("20260301_t", "CREATE TABLE t (v INTEGER)", "DROP TABLE t")
    write_migration("20260302_outside", NEEDS_NO_TRANSACTION[database.dialect])

    result = cli("migrate")

    assert result.exit_code == 1
    assert "Migration 20260302_outside failed in up()" in result.output
    assert "set transactional = False on this migration" in result.output
    assert set(database.migration_rows()) == {"20260301_t"}
    # The way out works.
    write_migration("20260302_outside", NEEDS_NO_TRANSACTION[database.dialect], transactional=False)
    assert cli("migrate").exit_code == 0
    assert set(database.migration_rows()) == {"20260301_t", "20260302_outside"}


def test_a_failure_of_another_kind_does_not_suggest_leaving_the_transaction(
    cli, database, write_migration
):
    write_migration("20260301_bad", "CREATE TABLE t (v INTEGER")

    result = cli("migrate")

    assert result.exit_code == 1
    assert "transactional = False" not in result.output


@pytest.mark.sqlite_only
def test_traceback_shows_the_chain_of_a_file_that_fails_to_import(
    cli, database, write_migration, helper_module
):
    helper_module.write_text("raise KeyError('settings')\n")
    write_migration("20260301_seed_admin", body=CALLS_A_HELPER)

    plain = cli("migrate")
    shown = cli("migrate", "--traceback")

    assert plain.exit_code == shown.exit_code == 1
    assert "importing it failed: KeyError: 'settings'" in plain.output
    assert "Traceback" not in plain.output
    assert f'File "{helper_module}", line 1, in <module>' in shown.output
    assert "The above exception was the direct cause of the following exception" in shown.output
