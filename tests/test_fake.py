"""--fake: migrations recorded as applied, or their records removed, without running them."""

from __future__ import annotations

from pathlib import Path


def _three(write_migration) -> None:
    for n in (1, 2, 3):
        write_migration(
            f"2025010{n}_create_t{n}",
            f"CREATE TABLE t{n} (id INTEGER PRIMARY KEY)",
            f"DROP TABLE t{n}",
        )


def test_migrate_fake_records_without_running(database, cli, write_migration):
    _three(write_migration)

    result = cli("migrate", "--fake", "--target", "20250102_create_t2")

    assert result.exit_code == 0, result.output
    assert "Recorded as applied, not run: 20250101_create_t1" in result.output
    assert set(database.migration_rows()) == {"20250101_create_t1", "20250102_create_t2"}
    assert database.table_names() == {"migrations", "migrations_digest"}  # no up() ran
    assert "Applied 1 migration." in cli("migrate").output
    assert database.table_names() == {"migrations", "migrations_digest", "t3"}


def test_rollback_fake_removes_the_records_without_running_down(database, cli, write_migration):
    _three(write_migration)
    cli("migrate")

    result = cli("migrate:rollback", "--fake")

    assert result.exit_code == 0, result.output
    assert "Record removed, down() not run: 20250103_create_t3" in result.output
    assert database.migration_rows() == {}
    assert database.table_names() == {"migrations", "migrations_digest", "t1", "t2", "t3"}


def test_a_protected_database_asks_before_faking(database, cli, write_migration):
    _three(write_migration)
    protected = {"HEROGOLD_MIGRATE_PROTECTED": "1"}

    refused = cli("migrate", "--fake", env=protected)
    assert refused.exit_code == 1
    assert "HEROGOLD_MIGRATE_PROTECTED is on, so migrate --fake asks" in refused.output
    assert "migrations" not in database.table_names() or database.migration_rows() == {}

    assert cli("migrate", "--fake", "--force", env=protected).exit_code == 0
    assert len(database.migration_rows()) == 3


def test_fake_and_pretend_do_not_go_together(database, cli, write_migration, migrations_dir: Path):
    _three(write_migration)
    result = cli("migrate", "--fake", "--pretend")
    assert result.exit_code == 2
    assert "--fake records without running and --pretend shows what would run" in result.output
