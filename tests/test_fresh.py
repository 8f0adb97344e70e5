"""migrate:fresh and migrate:refresh: a database rebuilt from its migrations.

``fresh`` drops every object of the migrated database, even one no migration made, and runs
every migration as batch 1; ``refresh`` rolls back through ``down()`` and migrates again.
"""

from __future__ import annotations

import json

from sqlalchemy import text

from flask_herogold_migrate import MigrationManager
from flask_herogold_migrate.core import fresh, plan_fresh

PROTECTED = {"HEROGOLD_MIGRATE_PROTECTED": "1"}


def _two_tables(create_table_migration, write_migration):
    create_table_migration("20260101_authors", "authors")
    write_migration(
        "20260102_books",
        "CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES authors (id))",
        "DROP TABLE books",
    )


def _by_hand(database) -> None:
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO authors (id, label) VALUES (1, 'Ada')"))
        conn.execute(text("INSERT INTO books (id, author_id) VALUES (1, 1)"))
        conn.execute(text("CREATE TABLE scratch (id INTEGER PRIMARY KEY)"))
        conn.execute(text("CREATE VIEW author_names AS SELECT label FROM authors"))


def test_fresh_drops_what_no_migration_made_and_migrates_as_batch_one(
    cli, database, create_table_migration, write_migration
):
    _two_tables(create_table_migration, write_migration)
    assert cli("migrate").exit_code == 0
    create_table_migration("20260103_notes", "notes")
    assert cli("migrate").exit_code == 0  # a second batch
    _by_hand(database)

    result = cli("migrate:fresh")

    assert result.exit_code == 0, result.output
    assert "Dropped: " in result.output and "scratch" in result.output
    assert "author_names" in result.output
    assert database.table_names() == {
        "authors",
        "books",
        "notes",
        "migrations",
        "migrations_digest",
    }
    assert database.scalar("SELECT count(*) FROM authors") == 0
    assert database.scalar("SELECT count(*) FROM books") == 0
    rows = database.migration_rows()
    assert set(rows) == {"20260101_authors", "20260102_books", "20260103_notes"}
    assert {row["batch"] for row in rows.values()} == {1}
    with database.engine.connect() as conn:
        from sqlalchemy import inspect

        assert inspect(conn).get_view_names() == []


def test_fresh_on_a_database_never_migrated(cli, database, create_table_migration):
    create_table_migration("20260101_authors", "authors")
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE legacy (id INTEGER PRIMARY KEY)"))

    result = cli("migrate:fresh")

    assert result.exit_code == 0, result.output
    assert database.table_names() == {"authors", "migrations", "migrations_digest"}


def test_pretend_lists_what_would_go_and_changes_nothing(
    cli, database, create_table_migration, write_migration
):
    _two_tables(create_table_migration, write_migration)
    assert cli("migrate").exit_code == 0
    _by_hand(database)

    shown = cli("migrate:fresh", "--pretend")
    as_json = cli("migrate:fresh", "--pretend", "--json")

    assert shown.exit_code == 0, shown.output
    assert (
        "Would drop: 5 tables (authors, books, migrations, migrations_digest, scratch), 1 view"
        in shown.output
    )
    assert "Would migrate: 2 migrations (20260101_authors, 20260102_books)" in shown.output
    document = json.loads(as_json.output)
    assert document["drop"]["tables"] == [
        "authors",
        "books",
        "migrations",
        "migrations_digest",
        "scratch",
    ]
    assert document["migrate"] == ["20260101_authors", "20260102_books"]
    assert "scratch" in database.table_names()
    assert database.scalar("SELECT count(*) FROM authors") == 1


def test_fresh_json_says_what_was_dropped_and_applied(cli, database, create_table_migration):
    create_table_migration("20260101_authors", "authors")
    assert cli("migrate").exit_code == 0

    result = cli("migrate:fresh", "--json")

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["dropped"]["tables"] == ["authors", "migrations", "migrations_digest"]
    assert document["applied"] == ["20260101_authors"]
    assert document["seeded"] is None


def test_a_protected_database_is_refused_without_a_terminal_and_nothing_is_dropped(
    cli, database, create_table_migration
):
    create_table_migration("20260101_authors", "authors")
    assert cli("migrate").exit_code == 0
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO authors (id, label) VALUES (1, 'Ada')"))

    refused = cli("migrate:fresh", env=PROTECTED, input="y\n")

    assert refused.exit_code == 1
    assert "HEROGOLD_MIGRATE_PROTECTED is on, so migrate:fresh asks before it drops" in (
        refused.output
    )
    assert database.scalar("SELECT count(*) FROM authors") == 1

    forced = cli("migrate:fresh", "--force", env=PROTECTED)

    assert forced.exit_code == 0, forced.output
    assert database.scalar("SELECT count(*) FROM authors") == 0


def test_a_broken_migration_file_stops_fresh_before_anything_is_dropped(
    cli, database, create_table_migration, migrations_dir
):
    create_table_migration("20260101_authors", "authors")
    assert cli("migrate").exit_code == 0
    (migrations_dir / "20260102_broken.py").write_text("this is not python\n")

    result = cli("migrate:fresh")

    assert result.exit_code == 1
    assert "20260102_broken.py, line 1: importing it failed" in result.output
    assert "Traceback" not in result.output
    assert database.table_names() == {"authors", "migrations", "migrations_digest"}


def test_refresh_runs_down_then_up(cli, database, create_table_migration, write_migration):
    _two_tables(create_table_migration, write_migration)
    assert cli("migrate").exit_code == 0
    create_table_migration("20260103_notes", "notes")
    assert cli("migrate").exit_code == 0
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO notes (id, label) VALUES (1, 'x')"))
        conn.execute(text("INSERT INTO authors (id, label) VALUES (1, 'x')"))

    one = cli("migrate:refresh", "--steps", "1")

    assert one.exit_code == 0, one.output
    assert "Rolled back: 20260103_notes" in one.output
    assert database.scalar("SELECT count(*) FROM notes") == 0
    assert database.scalar("SELECT count(*) FROM authors") == 1
    assert database.migration_rows()["20260103_notes"]["batch"] == 2

    every = cli("migrate:refresh", "--json")

    assert every.exit_code == 0, every.output
    document = json.loads(every.stdout)
    assert document["rolled_back"] == ["20260103_notes", "20260102_books", "20260101_authors"]
    assert document["applied"] == ["20260101_authors", "20260102_books", "20260103_notes"]
    assert database.scalar("SELECT count(*) FROM authors") == 0
    assert {row["batch"] for row in database.migration_rows().values()} == {1}


def test_refresh_on_a_protected_database_is_refused_without_a_terminal(
    cli, database, create_table_migration
):
    create_table_migration("20260101_authors", "authors")
    assert cli("migrate").exit_code == 0

    refused = cli("migrate:refresh", env=PROTECTED)

    assert refused.exit_code == 1
    assert "so migrate:refresh asks before it rolls back every batch" in refused.output
    assert set(database.migration_rows()) == {"20260101_authors"}


def test_the_core_functions_plan_then_rebuild(database, migrations_dir, create_table_migration):
    create_table_migration("20260101_authors", "authors")
    manager = MigrationManager(migrations_dir, engine=database.engine)
    manager.run_migrations()

    plan = plan_fresh(manager)
    result = fresh(manager)

    assert plan.objects.tables == ("authors", "migrations", "migrations_digest")
    assert plan.migrations == ("20260101_authors",)
    assert result.dropped.tables == ("authors", "migrations", "migrations_digest")
    assert result.applied == ("20260101_authors",)


def test_fresh_drops_views_that_depend_on_other_views(cli, database, create_table_migration):
    create_table_migration("20260101_authors", "authors")
    assert cli("migrate").exit_code == 0
    with database.engine.begin() as conn:
        # Named so that the one depended on comes first in name order.
        conn.execute(text("CREATE VIEW a_labels AS SELECT id, label FROM authors"))
        conn.execute(text("CREATE VIEW b_short AS SELECT label FROM a_labels WHERE id < 10"))

    result = cli("migrate:fresh")

    assert result.exit_code == 0, result.output
    assert "2 views (a_labels, b_short)" in result.output
    assert database.table_names() == {"authors", "migrations", "migrations_digest"}


def test_refresh_pretend_shows_the_rollback_and_changes_nothing(
    cli, database, create_table_migration
):
    create_table_migration("20260101_authors", "authors")
    assert cli("migrate").exit_code == 0

    result = cli("migrate:refresh", "--pretend")

    assert result.exit_code == 0, result.output
    assert "Would roll back: 20260101_authors" in result.output
    assert "DROP TABLE authors" in result.output
    assert "Then migrate would run every migration rolled back" in result.output
    assert "authors" in database.table_names()


def test_fresh_drops_tables_that_reference_each_other(cli, database, create_table_migration):
    create_table_migration("20260101_authors", "authors")
    assert cli("migrate").exit_code == 0
    with database.engine.begin() as conn:
        if database.dialect == "sqlite":
            conn.execute(
                text("CREATE TABLE eggs (id INTEGER PRIMARY KEY, hen INTEGER REFERENCES hens (id))")
            )
            conn.execute(
                text("CREATE TABLE hens (id INTEGER PRIMARY KEY, egg INTEGER REFERENCES eggs (id))")
            )
        else:
            conn.execute(text("CREATE TABLE eggs (id INTEGER PRIMARY KEY, hen INTEGER)"))
            conn.execute(
                text("CREATE TABLE hens (id INTEGER PRIMARY KEY, egg INTEGER REFERENCES eggs (id))")
            )
            conn.execute(
                text(
                    "ALTER TABLE eggs ADD CONSTRAINT fk_hen FOREIGN KEY (hen) REFERENCES hens (id)"
                )
            )
        conn.execute(text("INSERT INTO eggs (id, hen) VALUES (1, NULL)"))
        conn.execute(text("INSERT INTO hens (id, egg) VALUES (1, 1)"))
        conn.execute(text("UPDATE eggs SET hen = 1"))

    result = cli("migrate:fresh")

    assert result.exit_code == 0, result.output
    assert database.table_names() == {"authors", "migrations", "migrations_digest"}


def test_fresh_drops_sequences_and_enum_types(cli, database, create_table_migration):
    create_table_migration("20260101_authors", "authors")
    assert cli("migrate").exit_code == 0
    with database.engine.begin() as conn:
        if database.dialect == "sqlite":
            # SQLite's stand-in: AUTOINCREMENT keeps its counters in sqlite_sequence, a table
            # of SQLite's own that cannot be dropped.
            conn.execute(
                text("CREATE TABLE invoice_numbers (id INTEGER PRIMARY KEY AUTOINCREMENT)")
            )
            conn.execute(text("INSERT INTO invoice_numbers DEFAULT VALUES"))
        else:
            conn.execute(text("CREATE SEQUENCE invoice_numbers"))
        if database.dialect == "postgresql":
            conn.execute(text("CREATE TYPE mood AS ENUM ('calm', 'busy')"))
            conn.execute(text("CREATE TABLE moods (id SERIAL PRIMARY KEY, mood mood)"))

    result = cli("migrate:fresh")

    assert result.exit_code == 0, result.output
    assert "invoice_numbers" in result.output
    with database.engine.connect() as conn:
        from sqlalchemy import inspect

        inspector = inspect(conn)
        if database.dialect != "sqlite":
            assert inspector.get_sequence_names() == []
        if database.dialect == "postgresql":
            assert "1 enum (mood)" in result.output
            assert inspector.get_enums() == []
    assert database.table_names() == {"authors", "migrations", "migrations_digest"}


def test_a_migration_failing_after_the_drop_says_the_database_was_emptied(
    database, cli, create_table_migration, write_migration
):
    create_table_migration("20260101_authors", "authors")
    cli("migrate")
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO authors (id, label) VALUES (1, 'kept?')"))
    write_migration("20260102_broken", "SELECT * FROM no_such_table")

    result = cli("migrate:fresh", "--force")

    assert result.exit_code == 1
    assert "Before it, migrate:fresh had dropped every object of the database" in result.output
    assert "applied 1 of 2 migrations" in result.output
    assert "the rows that were there are gone" in result.output
    assert database.scalar("SELECT count(*) FROM authors") == 0
