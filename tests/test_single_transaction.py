"""A whole run in one transaction (``--single-transaction``), on SQLite, PostgreSQL and MariaDB.

Where DDL is transactional the run commits once or not at all. Where it is not (MariaDB), or
where a migration opted out of transactions, the run refuses to start and changes nothing.
"""

from __future__ import annotations

import pytest

REFUSED_ON_MARIADB = "A single transaction cannot hold a run on MySQL or MariaDB"
ROLLED_BACK = "single transaction was rolled back"


def recorded(database) -> set[str]:
    """Names in the tracking table; none when a refused run never created it."""
    return set(database.migration_rows()) if "migrations" in database.table_names() else set()


def failed_saying(result, database, *messages: str) -> None:
    """Exit 1 with a clean message: MariaDB's refusal there, each of ``messages`` elsewhere."""
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    for message in [REFUSED_ON_MARIADB] if database.dialect == "mariadb" else messages:
        assert message in result.output


@pytest.fixture
def first_then_broken(write_migration, create_table_migration):
    """Two pending migrations: one that creates table ``first``, then one that fails."""
    create_table_migration("20260301_first", "first")
    write_migration("20260302_broken", "SELECT * FROM no_such_table")


def test_a_single_transaction_run_applies_one_batch(cli, database, create_table_migration):
    create_table_migration("20260301_first", "first")
    create_table_migration("20260302_second", "second")

    result = cli("migrate", "--single-transaction")

    assert "Traceback" not in result.output
    if database.dialect == "mariadb":
        assert result.exit_code == 1
        assert REFUSED_ON_MARIADB in result.output
        # Refused before anything, the tracking table included, was created.
        assert not {"first", "second", "migrations"} & database.table_names()
        return
    assert result.exit_code == 0, result.output
    assert result.output.endswith("Applied 2 migrations in one transaction.\n")
    assert {"first", "second"} <= database.table_names()
    rows = database.migration_rows()
    assert {name: (row["batch"], row["state"]) for name, row in rows.items()} == {
        "20260301_first": (1, "applied"),
        "20260302_second": (1, "applied"),
    }


def test_a_failure_undoes_the_whole_run_and_keeps_earlier_batches(
    cli, database, write_migration, create_table_migration
):
    create_table_migration("20260301_earlier", "earlier")
    assert cli("migrate").exit_code == 0
    create_table_migration("20260302_second", "second")
    write_migration("20260303_fills_second", "INSERT INTO second (id, label) VALUES (1, 'x')")
    write_migration("20260304_broken", "SELECT * FROM no_such_table")

    result = cli("migrate", "--single-transaction")

    # The two migrations before the failure ran, then went with the transaction.
    failed_saying(
        result,
        database,
        "Migration 20260304_broken failed in up()",
        ROLLED_BACK,
        "Migrated: 20260303_fills_second",
    )
    assert "second" not in database.table_names()
    assert "earlier" in database.table_names()
    assert {name: row["batch"] for name, row in database.migration_rows().items()} == {
        "20260301_earlier": 1
    }


def test_undoing_batches_in_a_single_transaction_is_all_or_nothing(
    cli, database, write_migration, create_table_migration
):
    write_migration(
        "20260301_undo_fails",
        "CREATE TABLE stays (id INTEGER PRIMARY KEY)",
        "SELECT * FROM no_such_table",
    )
    assert cli("migrate").exit_code == 0
    create_table_migration("20260302_newer", "newer")
    assert cli("migrate").exit_code == 0

    # Newest first: newer's down() drops its table, then the older down() fails.
    result = cli("migrate:reset", "--force", "--single-transaction")

    failed_saying(result, database, "Migration 20260301_undo_fails failed in down()", ROLLED_BACK)
    assert {"stays", "newer"} <= database.table_names()
    assert set(database.migration_rows()) == {"20260301_undo_fails", "20260302_newer"}

    result = cli("migrate:rollback", "--single-transaction")

    if database.dialect == "mariadb":
        assert result.exit_code == 1
        assert "newer" in database.table_names()
        return
    assert result.exit_code == 0, result.output
    assert result.output.endswith("Rolled back 1 migration in one transaction.\n")
    assert "newer" not in database.table_names()
    assert set(database.migration_rows()) == {"20260301_undo_fails"}


def test_a_migration_outside_transactions_makes_the_run_refuse(
    cli, database, write_migration, create_table_migration
):
    create_table_migration("20260301_first", "first")
    write_migration(
        "20260302_outside",
        "CREATE TABLE outside (id INTEGER PRIMARY KEY)",
        "DROP TABLE outside",
        transactional=False,
    )

    result = cli("migrate", "--single-transaction")

    failed_saying(
        result,
        database,
        "20260302_outside set transactional = False, so it cannot run inside a single",
    )
    assert "Nothing was run." in result.output
    assert "Migrated:" not in result.output
    assert not {"first", "outside"} & database.table_names()
    assert recorded(database) == set()


def test_the_app_setting_makes_it_the_default_and_the_flag_turns_it_off(
    app, database, first_then_broken
):
    app.config["HEROGOLD_MIGRATE_SINGLE_TRANSACTION"] = True
    runner = app.test_cli_runner()

    result = runner.invoke(args=["migrate"])

    failed_saying(result, database, ROLLED_BACK)
    assert "first" not in database.table_names()

    result = runner.invoke(args=["migrate", "--transaction-per-migration"])

    assert result.exit_code == 1
    assert "Its changes were rolled back." in result.output
    assert "first" in database.table_names()
    assert set(database.migration_rows()) == {"20260301_first"}


def test_the_standalone_command_takes_the_setting_from_the_environment(
    cli, database, first_then_broken
):
    result = cli("migrate", env={"HEROGOLD_MIGRATE_SINGLE_TRANSACTION": "true"})

    failed_saying(result, database, ROLLED_BACK)
    assert "first" not in database.table_names()
    assert recorded(database) == set()


def test_a_missing_file_stops_a_single_transaction_rollback_before_it_begins(
    cli, database, migrations_dir, create_table_migration
):
    create_table_migration("20260301_gone", "gone")
    create_table_migration("20260302_present", "present")
    assert cli("migrate").exit_code == 0
    (migrations_dir / "20260301_gone.py").unlink()

    result = cli("migrate:rollback", "--single-transaction")

    if database.dialect == "mariadb":
        assert result.exit_code == 1
        assert REFUSED_ON_MARIADB in result.output
        assert set(database.migration_rows()) == {"20260301_gone", "20260302_present"}
        return
    assert result.exit_code == 1
    assert "Cannot roll back 20260301_gone: its file is missing" in result.output
    assert "Rolling back" not in result.output
    assert {"gone", "present"} <= database.table_names()
    assert set(database.migration_rows()) == {"20260301_gone", "20260302_present"}


def test_a_commit_the_database_refuses_leaves_nothing_of_the_run(cli, database, write_migration):
    write_migration(
        "20260301_tables",
        [
            "CREATE TABLE parent (id INTEGER PRIMARY KEY)",
            "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER"
            " REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)",
        ],
    )
    # Checked only at COMMIT, where it belongs to no migration in particular.
    write_migration("20260302_orphan", "INSERT INTO child (id, parent_id) VALUES (1, 42)")

    result = cli("migrate", "--single-transaction")

    assert "Traceback" not in result.output
    if database.dialect == "sqlite":
        # SQLite enforces foreign keys only where the app turned them on: nothing to refuse.
        assert result.exit_code == 0, result.output
        assert set(database.migration_rows()) == {"20260301_tables", "20260302_orphan"}
        return
    failed_saying(
        result,
        database,
        "The run's single transaction failed to commit",
        "foreign key",
        "Migrated: 20260302_orphan",
    )
    assert not {"parent", "child"} & database.table_names()
    assert recorded(database) == set()


@pytest.mark.sqlite_only
def test_a_setting_that_is_neither_true_nor_false_is_refused(cli, database, first_then_broken):
    result = cli("migrate", env={"HEROGOLD_MIGRATE_SINGLE_TRANSACTION": "ture"})

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "HEROGOLD_MIGRATE_SINGLE_TRANSACTION='ture' is neither true nor false" in result.output
    assert "first" not in database.table_names()
