"""migrate:squash: applied migrations replaced by one that builds the same schema; where all
of them are applied it takes their place without running, on an empty database it runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from flask_herogold_migrate import MigrationManager
from flask_herogold_migrate.core import throwaway_database
from tests.test_adopt import structure

FIFTY = [f"20250101_{n:02d}_create_t{n}" if n > 1 else "20250101_create_t1" for n in range(1, 51)]


@pytest.fixture
def fifty_applied(database, write_migration, migrations_dir: Path) -> list[str]:
    for n, stem in enumerate(FIFTY, start=1):
        write_migration(
            stem,
            f"CREATE TABLE t{n} (id INTEGER PRIMARY KEY, label VARCHAR(20) NOT NULL)",
            f"DROP TABLE t{n}",
        )
    assert MigrationManager(migrations_dir, engine=database.engine).run_migrations() == FIFTY
    return FIFTY


def test_fifty_migrations_squashed_run_nothing_here_and_build_the_same_schema_elsewhere(
    database, cli, migrations_dir: Path, fifty_applied
):
    result = cli("migrate:squash")

    assert result.exit_code == 0, result.output
    assert "it replaces 50 migrations" in result.output
    assert [p.stem for p in migrations_dir.glob("*.py")] == ["20250101_50_squashed"]
    rows = database.migration_rows()
    assert list(rows) == ["20250101_50_squashed"]
    assert cli("migrate").output.strip().endswith("Nothing to migrate.")
    status = cli("migrate:status", "--json")
    assert '"missing"' not in status.output
    assert '"20250101_50_squashed"' in status.output

    with throwaway_database(database.url) as empty:
        manager = MigrationManager(migrations_dir, engine=empty.engine)
        assert manager.run_migrations() == ["20250101_50_squashed"]
        assert structure(empty.engine) == structure(database.engine)


def test_another_database_with_all_of_them_applied_folds_at_its_next_run(
    database, write_migration, migrations_dir: Path, tmp_path: Path, cli
):
    for n in (1, 2, 3):
        write_migration(
            f"2025010{n}_create_t{n}",
            f"CREATE TABLE t{n} (id INTEGER PRIMARY KEY)",
            f"DROP TABLE t{n}",
        )
    with throwaway_database(database.url) as other:
        other_manager = MigrationManager(migrations_dir, engine=other.engine)
        other_manager.run_migrations()
        MigrationManager(migrations_dir, engine=database.engine).run_migrations()
        assert cli("migrate:squash", "--to", "20250102_create_t2").exit_code == 0

        # The other database still has the replaced records: its next run folds them.
        assert other_manager.run_migrations() == []
        status = other_manager.status()
        assert status.applied == ["20250102_squashed", "20250103_create_t3"]
        assert status.missing == []


def test_a_step_that_wrote_rows_is_named_in_a_todo_and_a_warning(
    database, cli, write_migration, migrations_dir: Path
):
    write_migration(
        "20250101_create_roles",
        "CREATE TABLE roles (name VARCHAR(20) PRIMARY KEY)",
        "DROP TABLE roles",
    )
    write_migration(
        "20250102_add_admin_role", "INSERT INTO roles VALUES ('admin')", "DELETE FROM roles"
    )
    MigrationManager(migrations_dir, engine=database.engine).run_migrations()

    result = cli("migrate:squash")

    assert result.exit_code == 0, result.output
    assert "Warning: 20250102_add_admin_role wrote rows" in result.output
    squashed = (migrations_dir / "20250102_squashed.py").read_text()
    assert "TODO: Not squashed: 20250102_add_admin_role wrote rows" in squashed
    assert database.scalar("SELECT name FROM roles") == "admin"


def test_a_partly_applied_squash_is_refused_and_nothing_changes(
    database, cli, write_migration, migrations_dir: Path
):
    for n in (1, 2, 3):
        write_migration(
            f"2025010{n}_create_t{n}",
            f"CREATE TABLE t{n} (id INTEGER PRIMARY KEY)",
            f"DROP TABLE t{n}",
        )
    MigrationManager(migrations_dir, engine=database.engine).run_migrations("20250102_create_t2")

    refused = cli("migrate:squash", "--to", "20250103_create_t3")
    assert refused.exit_code == 1
    assert "20250103_create_t3 is pending" in refused.output
    assert len(refused.output.strip().splitlines()) == 1

    # A squashed file reaching a database where only some replaced migrations are applied.
    for n in (1, 2, 3):
        (migrations_dir / f"2025010{n}_create_t{n}.py").unlink()
    (migrations_dir / "20250103_squashed.py").write_text(
        "from flask_herogold_migrate import Migration\n\n\n"
        "class Squashed(Migration):\n"
        "    replaces = ['20250101_create_t1', '20250102_create_t2', '20250103_create_t3']\n\n"
        "    def up(self, session):\n        raise AssertionError('must not run')\n"
    )
    before = database.migration_rows()
    refused = cli("migrate")
    assert refused.exit_code == 1
    assert "only some applied (2 of 3; not 20250103_create_t3). Nothing was run." in refused.output
    assert database.migration_rows() == before


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_keep_moves_the_replaced_files_where_no_run_reads_them(
    database, cli, write_migration, migrations_dir: Path
):
    for n in (1, 2):
        write_migration(
            f"2025010{n}_create_t{n}",
            f"CREATE TABLE t{n} (id INTEGER PRIMARY KEY)",
            f"DROP TABLE t{n}",
        )
    MigrationManager(migrations_dir, engine=database.engine).run_migrations()

    assert cli("migrate:squash", "--keep").exit_code == 0

    assert sorted(p.name for p in (migrations_dir / "squashed").iterdir()) == [
        "20250101_create_t1.py",
        "20250102_create_t2.py",
    ]
    assert cli("migrate").output.strip().endswith("Nothing to migrate.")
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM migrations")).scalar() == 1


def test_a_squash_across_batches_says_a_rollback_undoes_them_all(
    database, cli, write_migration, migrations_dir: Path
):
    manager = MigrationManager(migrations_dir, engine=database.engine)
    for n in (1, 2, 3):
        write_migration(
            f"2025010{n}_create_t{n}",
            f"CREATE TABLE t{n} (id INTEGER PRIMARY KEY)",
            f"DROP TABLE t{n}",
        )
        manager.run_migrations()  # a batch each

    result = cli("migrate:squash", "--to", "20250102_create_t2")

    assert result.exit_code == 0, result.output
    assert "applied in batches 1 to 2; the squashed one is recorded in batch 1" in result.output
    rows = database.migration_rows()
    assert rows["20250102_squashed"]["batch"] == 1
    assert rows["20250103_create_t3"]["batch"] == 3
    # The last batch is still the last migration's alone.
    assert cli("migrate:rollback").exit_code == 0
    assert database.table_names() >= {"t1", "t2"}
    assert "t3" not in database.table_names()
