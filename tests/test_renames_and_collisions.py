"""Files that would run a change twice: an applied file renamed, names differing in case."""

from __future__ import annotations

import pytest

from flask_herogold_migrate import HerogoldMigrate
from flask_herogold_migrate.core import MigrationNamesCollide, RenamedMigrationFile


@pytest.fixture
def bonus_applied(cli, database, write_migration, migrations_dir):
    """A table, then a data step adding one row to it, both applied."""
    write_migration("20260101_t", "CREATE TABLE t (v INTEGER)", "DROP TABLE t")
    write_migration("20260102_bonus", "INSERT INTO t (v) VALUES (1)", "DELETE FROM t")
    assert cli("migrate").exit_code == 0
    (migrations_dir / "20260102_bonus.py").rename(migrations_dir / "20260102_bonus_v2.py")


def test_a_renamed_applied_file_is_refused_naming_both(cli, database, bonus_applied):
    result = cli("migrate")

    assert result.exit_code == 1
    assert (
        "20260102_bonus_v2 has the content of 20260102_bonus, which is applied and whose file "
        "is gone" in result.output
    )
    assert "migrate:repair --rename-moved" in result.output
    assert database.scalar("SELECT COUNT(*) FROM t") == 1
    assert set(database.migration_rows()) == {"20260101_t", "20260102_bonus"}


def test_status_shows_the_renamed_pair(cli, database, bonus_applied):
    result = cli("migrate:status")

    assert result.exit_code == 0
    lines = {line.split()[0]: line for line in result.output.splitlines()[2:]}
    assert "pending (renamed from 20260102_bonus)" in lines["20260102_bonus_v2"]
    assert "missing (renamed to 20260102_bonus_v2)" in lines["20260102_bonus"]


def test_repair_rename_moved_follows_the_file_and_nothing_runs_twice(cli, database, bonus_applied):
    plain = cli("migrate:repair", "--force")
    assert "--rename-moved follows them" in plain.output
    assert set(database.migration_rows()) == {"20260101_t", "20260102_bonus"}

    repaired = cli("migrate:repair", "--rename-moved", "--force")

    assert repaired.exit_code == 0, repaired.output
    assert "File renamed, record to follow it:" in repaired.output
    assert "20260102_bonus -> 20260102_bonus_v2" in repaired.output
    assert set(database.migration_rows()) == {"20260101_t", "20260102_bonus_v2"}
    assert cli("migrate").output.strip() == "Nothing to migrate."
    assert database.scalar("SELECT COUNT(*) FROM t") == 1


def test_auto_run_refuses_a_renamed_file(make_app, database, bonus_applied):
    app = make_app(name="renamed", sqlalchemy=False, extension=False, HEROGOLD_MIGRATE_AUTO=True)

    with pytest.raises(RenamedMigrationFile) as refused:
        HerogoldMigrate(app)

    assert refused.value.renames == (("20260102_bonus", "20260102_bonus_v2"),)
    assert database.scalar("SELECT COUNT(*) FROM t") == 1


def test_a_new_file_differing_in_case_from_an_applied_one_is_refused(
    cli, database, create_table_migration
):
    create_table_migration("20260301_add_tags", "tags_lower")
    assert cli("migrate").exit_code == 0
    create_table_migration("20260302_other", "other")
    create_table_migration("20260301_Add_Tags", "tags_upper")

    result = cli("migrate")

    assert result.exit_code == 1
    assert "differ only in case: 20260301_Add_Tags and 20260301_add_tags" in result.output
    assert "Nothing was run" in result.output
    assert set(database.migration_rows()) == {"20260301_add_tags"}
    assert not {"tags_upper", "other"} & database.table_names()


@pytest.mark.sqlite_only
def test_two_new_files_differing_in_case_are_refused(cli, database, create_table_migration):
    create_table_migration("20260301_add_tags", "tags_lower")
    create_table_migration("20260301_Add_Tags", "tags_upper")

    result = cli("migrate")

    assert result.exit_code == 1
    assert "20260301_add_tags and 20260301_Add_Tags" in result.output
    assert database.migration_rows() == {}
    assert not {"tags_lower", "tags_upper"} & database.table_names()


@pytest.mark.sqlite_only
def test_the_errors_carry_the_names(manager, database, create_table_migration):
    create_table_migration("20260301_add_tags", "tags_lower")
    create_table_migration("20260301_Add_Tags", "tags_upper")

    with pytest.raises(MigrationNamesCollide) as refused:
        manager.run_migrations()

    assert refused.value.pairs == (("20260301_Add_Tags", "20260301_add_tags"),)
