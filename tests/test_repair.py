"""``migrate:repair``: a ``failed`` record refuses every run until a person repairs it, a failed
down() is restored as applied, and checksums of edited files are realigned, each after confirming.

Elsewhere: ``--forget-missing`` after a rollback refused for a missing file is in test_rollback.py,
repair of a tracking table an older version made in test_tracking_table.py.
"""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import text

from flask_herogold_migrate.__main__ import main


def squeezed(output: str) -> str:
    """The output with each run of spaces made one: repair aligns its columns."""
    return "\n".join(" ".join(line.split()) for line in output.splitlines())


def test_failed_state_refusal_and_repair_end_to_end(database, migrations_dir, write_migration):
    def cli(*args: str, input: str | None = None):
        return CliRunner().invoke(
            main,
            [*args, "--dir", str(migrations_dir), "--database-url", database.url],
            input=input,
        )

    write_migration(
        "20260301_base", "CREATE TABLE base (id INTEGER PRIMARY KEY)", "DROP TABLE base"
    )
    assert cli("migrate").exit_code == 0
    bad = write_migration(
        "20260302_half",
        ["CREATE TABLE half_done (id INTEGER PRIMARY KEY)", "SELECT * FROM no_such_table"],
        "DROP TABLE half_done",
    )

    failed = cli("migrate")

    assert failed.exit_code == 1
    states = {
        e["name"]: e["state"]
        for e in json.loads(cli("migrate:status", "--json").output)["migrations"]
    }
    if database.dialect != "mariadb":
        # Transactional DDL: the failure rolled back whole, no failed record is ever left.
        assert states == {"20260301_base": "applied", "20260302_half": "pending"}
        assert "half_done" not in database.table_names()
        assert cli("migrate:repair", "--force").output.strip() == "Nothing to repair."
        return

    assert states == {"20260301_base": "applied", "20260302_half": "failed"}
    assert "half_done" in database.table_names()  # the DDL the server committed on its own
    for refused in (cli("migrate"), cli("migrate:rollback"), cli("migrate:reset", "--force")):
        assert refused.exit_code == 1
        assert "20260302_half stopped part-way through up() and is recorded as failed" in (
            refused.output
        )
        assert "migrate:repair" in refused.output
    assert "base" in database.table_names()

    # The human puts the schema right and fixes the file, then repairs.
    with database.engine.begin() as conn:
        conn.execute(text("DROP TABLE half_done"))
    write_migration(
        "20260302_half", "CREATE TABLE half_done (id INTEGER PRIMARY KEY)", "DROP TABLE half_done"
    )
    declined = cli("migrate:repair", input="n\n")
    assert declined.exit_code == 1
    assert "Failed in up(), record to remove: 20260302_half" in squeezed(declined.output)
    assert database.migration_rows()["20260302_half"]["state"] == "failed"
    repaired = cli("migrate:repair", input="y\n")
    assert repaired.exit_code == 0, repaired.output
    assert "Removed 1 failed record(s), restored 0 as applied" in repaired.output

    again = cli("migrate")
    assert again.exit_code == 0, again.output
    rows = database.migration_rows()
    assert rows["20260302_half"]["state"] == "applied" and rows["20260302_half"]["batch"] == 2
    assert bad.exists()


CREATE_TWO_TABLES = [
    "CREATE TABLE ta (id INTEGER PRIMARY KEY)",
    "CREATE TABLE tb (id INTEGER PRIMARY KEY)",
]


def test_failed_down_is_repaired_back_to_applied(database, migrations_dir, write_migration):
    """Repair puts a record back as it was before the failed step: applied, for a down()."""

    def cli(*args: str):
        return CliRunner().invoke(
            main, [*args, "--dir", str(migrations_dir), "--database-url", database.url]
        )

    # Without a transaction every statement commits: a failing down() stops half-way anywhere.
    write_migration(
        "20260301_two_tables",
        CREATE_TWO_TABLES,
        ["DROP TABLE tb", "DROP TABLE ta_typo", "DROP TABLE ta"],
        transactional=False,
    )
    assert cli("migrate").exit_code == 0

    failed = cli("migrate:rollback")

    assert failed.exit_code == 1
    assert "Migration 20260301_two_tables failed in down()" in failed.output
    assert "as it was before down() ran" in failed.output
    assert "the migration is recorded as applied again" in failed.output
    assert {"ta", "tb"} & database.table_names() == {"ta"}
    (entry,) = json.loads(cli("migrate:status", "--json").output)["migrations"]
    assert (entry["state"], entry["step"]) == ("failed", "down")
    assert "failed in down()" in cli("migrate:status").output
    refused = cli("migrate")
    assert refused.exit_code == 1
    assert "stopped part-way through down() and is recorded as failed" in refused.output

    # The human puts the schema back as it was before down() ran, and fixes the file.
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE tb (id INTEGER PRIMARY KEY)"))
    write_migration(
        "20260301_two_tables",
        CREATE_TWO_TABLES,
        ["DROP TABLE tb", "DROP TABLE ta"],
        transactional=False,
    )
    repaired = cli("migrate:repair", "--force")

    assert repaired.exit_code == 0, repaired.output
    assert "Failed in down(), to restore as applied: 20260301_two_tables" in squeezed(
        repaired.output
    )
    assert "Removed 0 failed record(s), restored 1 as applied" in repaired.output
    row = database.migration_rows()["20260301_two_tables"]
    assert (row["state"], row["batch"]) == ("applied", 1)
    assert cli("migrate").output.strip() == "Nothing to migrate."
    rolled_back = cli("migrate:rollback")
    assert rolled_back.exit_code == 0, rolled_back.output
    assert not {"ta", "tb"} & database.table_names()
    assert database.migration_rows() == {}


def test_repair_changes_only_what_it_listed_for_confirmation(
    database, migrations_dir, create_table_migration, monkeypatch
):
    """A record that fails between the listing and the confirmation waits for the next one."""
    from flask_herogold_migrate import MigrationManager

    def cli(*args: str):
        return CliRunner().invoke(
            main, [*args, "--dir", str(migrations_dir), "--database-url", database.url]
        )

    def mark_failed(name: str) -> None:
        with database.engine.begin() as conn:
            conn.execute(
                text("UPDATE migrations SET state = 'failed' WHERE name = :name"), {"name": name}
            )

    create_table_migration("20260301_a", "a")
    create_table_migration("20260302_b", "b")
    assert cli("migrate").exit_code == 0
    mark_failed("20260301_a")
    listed = MigrationManager.plan_repair

    def listing_then_another_failure(self, **options):
        result = listed(self, **options)
        mark_failed("20260302_b")  # as another process's run might, before the person confirms
        return result

    monkeypatch.setattr(MigrationManager, "plan_repair", listing_then_another_failure)
    repaired = cli("migrate:repair", "--force")
    monkeypatch.undo()

    assert repaired.exit_code == 0, repaired.output
    assert "20260302_b" not in repaired.output
    assert "Removed 1 failed record(s)" in repaired.output
    rows = database.migration_rows()
    assert "20260301_a" not in rows and rows["20260302_b"]["state"] == "failed"
    assert "20260302_b" in squeezed(cli("migrate:repair", "--force").output)
    assert "20260302_b" not in database.migration_rows()


def test_repair_realigns_checksums_of_modified_files_after_confirming(
    database, migrations_dir, write_migration
):
    def cli(*args: str, input: str | None = None):
        return CliRunner().invoke(
            main,
            [*args, "--dir", str(migrations_dir), "--database-url", database.url],
            input=input,
        )

    path = write_migration("20260301_edited", "CREATE TABLE edited (id INTEGER PRIMARY KEY)")
    cli("migrate")
    path.write_text(path.read_text() + "\n# a comment added later\n")
    assert cli("migrate:status", "--json").output.count('"modified": true') == 1

    result = cli("migrate:repair", input="y\n")

    assert result.exit_code == 0, result.output
    assert "Checksum to update: 20260301_edited" in squeezed(result.output)
    assert cli("migrate:status", "--json").output.count('"modified": true') == 0
