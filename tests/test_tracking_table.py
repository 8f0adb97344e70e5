"""The tracking table: one made by an older version, its name (``--table``), one of another tool,
and migration names it must tell apart by case alone.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from flask_herogold_migrate import MigrationManager


def test_a_tracking_table_name_with_a_schema_is_refused(cli, database, create_table_migration):
    create_table_migration("20260301_one", "one")

    result = cli("migrate", "--table", "public.hg_migrations")

    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: The tracking table name 'public.hg_migrations' names a schema: give the "
        "table's name alone."
    )
    assert not {"one", "public.hg_migrations", "hg_migrations"} & database.table_names()

    # A table an older version made under such a name is still used: refusing it would make
    # every migration pending again.
    quoted = database.engine.dialect.identifier_preparer.quote("app.migrations")
    with database.engine.begin() as conn:
        conn.execute(
            text(
                f"CREATE TABLE {quoted} (name VARCHAR(255) PRIMARY KEY, batch INTEGER NOT NULL, "
                "applied_at TIMESTAMP NOT NULL)"
            )
        )
    assert cli("migrate", "--table", "app.migrations").exit_code == 0
    assert "one" in database.table_names()


def tracking_table_of_the_first_version(database, applied: str) -> None:
    """The tracking table as the first version made it (no checksum, no state), one row."""
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE migrations (name VARCHAR(255) PRIMARY KEY, "
                "batch INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO migrations (name, batch, applied_at) "
                "VALUES (:name, 1, '2026-01-01 00:00:00')"
            ),
            {"name": applied},
        )


def test_tracking_table_from_an_older_version_gains_columns_and_keeps_rows(
    database, manager, create_table_migration
):
    tracking_table_of_the_first_version(database, applied="20260101_old")
    create_table_migration("20260301_one", "one")

    assert manager.status().missing == ["20260101_old"]
    assert manager.run_migrations() == ["20260301_one"]

    rows = database.migration_rows()
    assert rows["20260101_old"]["batch"] == 1
    assert rows["20260301_one"]["batch"] == 2 and rows["20260301_one"]["state"] == "applied"
    assert rows["20260101_old"]["checksum"] is None


@pytest.mark.parametrize("transactional", [True, False], ids=["transactional", "not_transactional"])
def test_rollback_and_repair_upgrade_a_tracking_table_from_an_older_version(
    database, manager, write_migration, transactional
):
    """With nothing pending, the first command after an upgrade may be a rollback."""
    write_migration("20260101_old", down="DROP TABLE old_table", transactional=transactional)
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE old_table (id INTEGER PRIMARY KEY)"))
    tracking_table_of_the_first_version(database, applied="20260101_old")

    assert manager.repair(realign_checksums=True).realigned == ["20260101_old"]
    assert manager.rollback() == ["20260101_old"]

    assert database.migration_rows() == {}
    assert "old_table" not in database.table_names()


def test_a_tracking_table_of_another_tool_is_never_touched(cli, database, create_table_migration):
    from sqlalchemy import text

    with database.engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE migrations (id INTEGER PRIMARY KEY, "
                "migration VARCHAR(255), batch INTEGER)"
            )
        )
        conn.execute(text("INSERT INTO migrations VALUES (1, '2014_create_users', 1)"))
    create_table_migration("20260301_one", "one")

    for command in (["migrate"], ["migrate:status"], ["migrate:rollback"]):
        result = cli(*command)
        assert result.exit_code == 1, command
        assert "flask-herogold-migrate did not create it" in result.output
        assert "Traceback" not in result.output
    assert database.rows() == [{"id": 1, "migration": "2014_create_users", "batch": 1}]
    assert "one" not in database.table_names()


def test_another_table_name_keeps_separate_history(
    database, migrations_dir, create_table_migration
):
    create_table_migration("20260301_one", "one")
    manager = MigrationManager(migrations_dir, engine=database.engine, table="schema_history")

    assert manager.run_migrations() == ["20260301_one"]
    assert "schema_history" in database.table_names()
    assert "migrations" not in database.table_names()


def test_a_table_name_with_a_slash_is_refused_where_it_would_name_the_lock_file(
    cli, database, create_table_migration, tmp_path
):
    create_table_migration("20260301_one", "one")

    result = cli("migrate", "--table", "a/b")

    if database.dialect != "sqlite":  # a quoted name like any other
        assert result.exit_code == 0, result.output
        assert {"a/b", "one"} <= database.table_names()
        return
    assert result.exit_code == 1
    assert result.output == (
        "Error: The tracking table name 'a/b' cannot be used with SQLite: the migration lock "
        "is a file named after it beside the database, and a file name cannot contain '/'. "
        "Choose another name (HEROGOLD_MIGRATE_TABLE, --table).\n"
    )
    assert database.table_names() == set()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["migrations", "test.db"]


def test_names_recorded_differing_only_in_case_stay_two_migrations(
    cli, database, create_table_migration
):
    # MariaDB compares text without case by default; the tracking table must not. Such
    # pairs cannot be applied any more, but an older version applied them.
    create_table_migration("20260301_add_tags", "tags_lower")
    assert cli("migrate").exit_code == 0
    create_table_migration("20260301_Add_Tags", "tags_upper")
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE tags_upper (id INTEGER PRIMARY KEY)"))
        conn.execute(
            text(
                "INSERT INTO migrations (name, batch, applied_at, checksum, state) "
                "VALUES ('20260301_Add_Tags', 2, CURRENT_TIMESTAMP, NULL, 'applied')"
            )
        )

    assert set(database.migration_rows()) == {"20260301_add_tags", "20260301_Add_Tags"}
    assert cli("migrate:reset", "--force").exit_code == 0
    assert database.migration_rows() == {}
    assert not {"tags_lower", "tags_upper"} & database.table_names()
