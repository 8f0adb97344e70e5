"""Rolling back and resetting: the last batch, several (``--steps``), every one; a missing file.

Most tests drive the standalone CLI through Click's runner; the database fixture makes each run
three times.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text


def test_rollback_undoes_the_last_batch_newest_first(cli, database, create_table_migration):
    create_table_migration("20260301_one", "one")
    cli("migrate")
    create_table_migration("20260302_two", "two")
    create_table_migration("20260302_02_three", "three")
    cli("migrate")

    result = cli("migrate:rollback")

    assert result.exit_code == 0, result.output
    undone = [
        line.split()[2] for line in result.output.splitlines() if line.startswith("Rolled back:")
    ]
    assert undone == ["20260302_02_three", "20260302_two"]
    assert set(database.migration_rows()) == {"20260301_one"}
    assert "one" in database.table_names()
    assert not {"two", "three"} & database.table_names()


def test_rollback_steps_undoes_several_batches(cli, database, create_table_migration):
    for day, table in [("01", "a"), ("02", "b"), ("03", "c")]:
        create_table_migration(f"202603{day}_{table}", table)
        cli("migrate")

    result = cli("migrate:rollback", "--steps", "2")

    assert result.exit_code == 0, result.output
    assert set(database.migration_rows()) == {"20260301_a"}
    assert not {"b", "c"} & database.table_names()


@pytest.mark.parametrize("steps", ["0", "-1", "abc"])
@pytest.mark.sqlite_only
def test_bad_steps_is_a_usage_error_that_changes_nothing(
    cli, database, create_table_migration, steps
):
    create_table_migration("20260301_one", "one")
    cli("migrate")

    result = cli("migrate:rollback", "--steps", steps)

    assert result.exit_code == 2
    assert "--steps" in result.output
    assert set(database.migration_rows()) == {"20260301_one"}


def test_reset_undoes_every_batch(cli, database, create_table_migration):
    create_table_migration("20260301_one", "one")
    cli("migrate")
    create_table_migration("20260302_two", "two")
    cli("migrate")

    result = cli("migrate:reset", "--force")

    assert result.exit_code == 0, result.output
    assert database.migration_rows() == {}
    assert not {"one", "two"} & database.table_names()


def test_reset_asks_for_confirmation_without_force(cli, database, create_table_migration):
    create_table_migration("20260301_one", "one")
    cli("migrate")

    declined = cli("migrate:reset", input="n\n")

    assert declined.exit_code == 1
    assert set(database.migration_rows()) == {"20260301_one"}
    accepted = cli("migrate:reset", input="y\n")
    assert accepted.exit_code == 0
    assert database.migration_rows() == {}


def test_rollback_reaching_a_missing_file_runs_nothing_until_it_is_forgotten(
    cli, database, create_table_migration
):
    create_table_migration("20260301_one", "one")
    gone = create_table_migration("20260302_gone", "gone_table")
    cli("migrate")
    gone.unlink()

    refused = cli("migrate:rollback")

    assert refused.exit_code == 1
    assert refused.output.startswith(
        "Error: Cannot roll back 20260302_gone: its file is missing (deleted, renamed, or not "
        "on this branch), so its down() cannot run. Nothing was run."
    )
    assert set(database.migration_rows()) == {"20260301_one", "20260302_gone"}
    assert {"one", "gone_table"} <= database.table_names()
    kept = cli("migrate:repair", "--force")
    assert kept.output.splitlines() == [
        "Kept the records of missing files (20260302_gone): --forget-missing removes them.",
        "Nothing to repair.",
    ]

    # The human undoes what the lost migration made, then forgets its record.
    with database.engine.begin() as conn:
        conn.execute(text("DROP TABLE gone_table"))
    forgot = cli("migrate:repair", "--forget-missing", "--force")

    assert forgot.exit_code == 0, forgot.output
    assert "File missing, record to forget: 20260302_gone" in " ".join(forgot.output.split())
    assert "forgot 1 of missing files." in forgot.output
    assert set(database.migration_rows()) == {"20260301_one"}
    assert cli("migrate:rollback").exit_code == 0
    assert database.migration_rows() == {}
    assert "one" not in database.table_names()
