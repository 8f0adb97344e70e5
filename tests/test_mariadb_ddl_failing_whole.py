"""MariaDB: a migration whose first statement is DDL that the server refuses whole changed
nothing, so it stays pending instead of being recorded ``failed`` for a repair."""

from __future__ import annotations

import pytest

from flask_herogold_migrate.core.errors import MigrationFailed


@pytest.fixture
def long_names(database, write_migration, manager):
    write_migration("20260301_t", "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(40))")
    write_migration("20260302_fill", f"INSERT INTO t VALUES (1, '{'x' * 40}')")
    manager.run_migrations()


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
@pytest.mark.parametrize(
    "ddl",
    [
        "ALTER TABLE t MODIFY name VARCHAR(10)",  # strict mode: data too long
        "ALTER TABLE t ADD COLUMN name INTEGER",  # a duplicate column
        "CREATE TABLE t (id INTEGER)",  # the table exists
    ],
    ids=["truncation", "duplicate-column", "existing-table"],
)
def test_ddl_refused_whole_leaves_the_migration_pending(
    database, write_migration, manager, long_names, ddl
):
    write_migration("20260303_change", [ddl, "INSERT INTO t VALUES (2, 'b')"])

    with pytest.raises(MigrationFailed) as failure:
        manager.run_migrations()

    assert "Its changes were rolled back." in str(failure.value)
    assert "already committed" not in str(failure.value)
    assert "20260303_change" not in database.migration_rows()
    assert manager.status().pending == ["20260303_change"]
    assert database.scalar("SELECT LENGTH(name) FROM t WHERE id = 1") == 40
    assert database.scalar("SELECT COUNT(*) FROM t") == 1


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_ddl_failing_after_a_write_stays_recorded_failed(
    database, write_migration, manager, long_names
):
    write_migration(
        "20260303_change",
        ["INSERT INTO t VALUES (2, 'b')", "ALTER TABLE t MODIFY name VARCHAR(10)"],
    )

    with pytest.raises(MigrationFailed, match="already committed"):
        manager.run_migrations()

    assert database.migration_rows()["20260303_change"]["state"] == "failed"
    assert database.scalar("SELECT COUNT(*) FROM t") == 2  # the ALTER committed the INSERT
