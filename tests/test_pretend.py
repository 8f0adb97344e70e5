"""``--pretend``: the statements a command would run, shown migration by migration, and nothing
changed: not the schema, not the data, not the tracking table.

On SQLite and PostgreSQL the run is rehearsed for real in a transaction that is rolled back, so
a data step sees real rows and a failing step fails; on MariaDB the statements are recorded
without being sent. Each test compares the database before and after by reflection, row counts
and the tracking table's rows.
"""

from __future__ import annotations

import json

import pytest

from flask_herogold_migrate import MigrationManager
from tests.helpers import snapshot

BASE = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class Base(Migration):
    def up(self, session):
        session.exec(text("CREATE TABLE base (id INTEGER PRIMARY KEY, label VARCHAR(50))"))
        session.exec(text("INSERT INTO base (id, label) VALUES (1, 'kept'), (2, 'also')"))
        session.exec(text("CREATE TABLE counts (n INTEGER)"))

    def down(self, session):
        session.exec(text("DROP TABLE counts"))
        session.exec(text("DROP TABLE base"))
"""

ITEMS = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class CreateItems(Migration):
    def up(self, session):
        session.exec(text("CREATE TABLE items (id INTEGER PRIMARY KEY, label VARCHAR(50))"))
        session.exec(
            text("INSERT INTO items (id, label) VALUES (:id, :label)"),
            params=[{"id": 1, "label": "first"}, {"id": 2, "label": "second"}],
        )
        session.exec(text("CREATE INDEX ix_items_label ON items (label)"))

    def down(self, session):
        session.exec(text("DELETE FROM items WHERE id = :id"), params={"id": 2})
        on_table = " ON items" if session.get_bind().dialect.name == "mysql" else ""
        session.exec(text("DROP INDEX ix_items_label" + on_table))
        session.exec(text("DROP TABLE items"))
"""


def in_order(output: str, *parts: str) -> bool:
    positions = [output.find(part) for part in parts]
    return -1 not in positions and positions == sorted(positions)


def test_pretend_shows_the_batch_in_order_and_changes_nothing(
    cli, database, write_migration, migrations_dir
):
    write_migration("20260101_base", body=BASE)
    assert cli("migrate").exit_code == 0
    write_migration("20260102_create_items", body=ITEMS)
    before = snapshot(database)

    result = cli("migrate", "--pretend")

    assert result.exit_code == 0, result.output
    assert in_order(
        result.output,
        "Would migrate: 20260102_create_items",
        "CREATE TABLE items (id INTEGER PRIMARY KEY, label VARCHAR(50));",
        "INSERT INTO items (id, label) VALUES",
        "'first'",
        "'second'",
        "CREATE INDEX ix_items_label ON items (label);",
    ), result.output
    assert "20260101_base" not in result.output  # applied: not part of the run
    assert snapshot(database) == before
    # The lock was released: a real run that will not wait gets it, and runs the same batch.
    manager = MigrationManager(migrations_dir, engine=database.engine, lock_timeout=0)
    assert manager.run_migrations() == ["20260102_create_items"]


def test_rollback_pretend_shows_the_last_batch_and_changes_nothing(cli, database, write_migration):
    write_migration("20260101_base", body=BASE)
    cli("migrate")
    write_migration("20260102_create_items", body=ITEMS)
    cli("migrate")
    before = snapshot(database)
    assert "items" in before["tables"]

    result = cli("migrate:rollback", "--pretend")

    assert result.exit_code == 0, result.output
    assert in_order(
        result.output,
        "Would roll back: 20260102_create_items",
        "DELETE FROM items WHERE id = ",
        "DROP INDEX ix_items_label",
        "DROP TABLE items;",
    ), result.output
    assert "20260101_base" not in result.output  # an earlier batch
    assert snapshot(database) == before


def test_reset_pretend_asks_nothing_and_changes_nothing(cli, database, write_migration):
    write_migration("20260101_base", body=BASE)
    cli("migrate")
    write_migration("20260102_create_items", body=ITEMS)
    cli("migrate")
    before = snapshot(database)

    result = cli("migrate:reset", "--pretend")  # no --force, no input: it must not ask

    assert result.exit_code == 0, result.output
    assert in_order(
        result.output,
        "Would roll back: 20260102_create_items",
        "DROP TABLE items;",
        "Would roll back: 20260101_base",
        "DROP TABLE base;",
    ), result.output
    assert snapshot(database) == before


def test_on_mariadb_nothing_is_sent_and_it_says_so_once(cli, database, write_migration):
    write_migration("20260101_base", body=BASE)
    write_migration("20260102_create_items", body=ITEMS)

    result = cli("migrate", "--pretend")

    assert result.exit_code == 0, result.output
    said = result.output.count("Nothing was executed")
    assert said == (1 if database.dialect == "mariadb" else 0), result.output
    if database.dialect == "mariadb":
        assert "DDL on MySQL or MariaDB commits on its own" in result.output
        assert "(not executed" not in result.output  # said once for the run, not per migration
    else:
        assert "in one transaction, then rolled it back: nothing was changed" in result.output
    assert database.table_names() == set()  # not even the tracking table


COUNT_ITEMS = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class CountBase(Migration):
    def up(self, session):
        count = session.exec(text("SELECT count(*) FROM base")).scalar()
        rows = session.exec(text("SELECT id, label FROM base ORDER BY id")).all()
        session.exec(text("INSERT INTO counts (n) VALUES (:n)"), params={"n": count})
        session.exec(text("INSERT INTO counts (n) VALUES (:n)"), params={"n": len(rows)})

    def down(self, session):
        session.exec(text("DELETE FROM counts"))
"""


def test_a_data_step_reads_real_rows_except_where_nothing_is_sent(cli, database, write_migration):
    write_migration("20260101_base", body=BASE)
    cli("migrate")
    write_migration("20260102_count_base", body=COUNT_ITEMS)
    before = snapshot(database)

    result = cli("migrate", "--pretend", "--json")

    assert result.exit_code == 0, result.output
    (migration,) = json.loads(result.stdout)["migrations"]
    inserts = [s for s in migration["statements"] if s["sql"].startswith("INSERT")]
    values = [
        list(s["params"].values() if isinstance(s["params"], dict) else s["params"])
        for s in inserts
    ]
    if database.dialect == "mariadb":
        assert values == [[None], [0]]  # a read returns no rows
    else:
        assert values == [[2], [2]]  # the two rows of base, read for real
    assert snapshot(database) == before


UNIQUE_TAGS = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class CreateTags(Migration):
    def up(self, session):
        session.exec(text("CREATE TABLE tags (name VARCHAR(20) NOT NULL UNIQUE)"))

    def down(self, session):
        session.exec(text("DROP TABLE tags"))
"""

DUPLICATE_TAGS = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class SeedTags(Migration):
    def up(self, session):
        session.exec(text("INSERT INTO tags (name) VALUES ('alpha')"))
        session.exec(text("INSERT INTO tags (name) VALUES ('beta')"))
        session.exec(text("INSERT INTO tags (name) VALUES ('alpha')"))
        session.exec(text("INSERT INTO tags (name) VALUES ('never reached')"))

    def down(self, session):
        session.exec(text("DELETE FROM tags"))
"""


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
def test_a_step_that_would_fail_exits_1_naming_it_and_changes_nothing(
    cli, database, write_migration
):
    write_migration("20260101_create_tags", body=UNIQUE_TAGS)
    write_migration("20260102_seed_tags", body=DUPLICATE_TAGS)

    result = cli("migrate", "--pretend")

    assert result.exit_code == 1, result.output
    assert "Migration 20260102_seed_tags would fail in up():" in result.output
    assert "IntegrityError" in result.output
    assert "20260102_seed_tags.py, line 10, in up()" in result.output
    assert "Nothing was changed" in result.output
    # The statements up to the failing one, and none after it.
    assert result.output.count("INSERT INTO tags (name) VALUES ('alpha');") == 2
    assert "never reached" not in result.output
    assert "Traceback" not in result.output
    assert database.table_names() == set()  # no tags, and no tracking table either


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
def test_the_json_of_a_failing_rehearsal_names_the_error(cli, database, write_migration):
    write_migration("20260101_create_tags", body=UNIQUE_TAGS)
    write_migration("20260102_seed_tags", body=DUPLICATE_TAGS)

    result = cli("migrate", "--pretend", "--json")

    assert result.exit_code == 1
    first, failed = json.loads(result.stdout)["migrations"]
    assert first["error"] is None
    assert failed["name"] == "20260102_seed_tags"
    assert failed["executed"] is True
    assert "IntegrityError" in failed["error"]
    assert len(failed["statements"]) == 3
    assert database.table_names() == set()


DATED = """
import datetime
from sqlalchemy import text
from flask_herogold_migrate import Migration


class Dated(Migration):
    def up(self, session):
        session.exec(text("CREATE TABLE events (id INTEGER PRIMARY KEY, day DATE)"))
        session.exec(
            text("INSERT INTO events (id, day) VALUES (:id, :day)"),
            params={"id": 7, "day": datetime.date(2026, 1, 2)},
        )

    def down(self, session):
        session.exec(text("DROP TABLE events"))
"""


def test_json_lists_each_migration_with_its_statements(cli, database, write_migration):
    write_migration("20260101_base", body=BASE)
    write_migration("20260102_dated", body=DATED)

    result = cli("migrate", "--pretend", "--json")

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert list(document) == ["migrations"]
    entries = document["migrations"]
    assert [e["name"] for e in entries] == ["20260101_base", "20260102_dated"]
    for entry in entries:
        assert set(entry) == {"name", "direction", "executed", "statements", "error"}
        assert entry["direction"] == "up"
        assert entry["executed"] is (database.dialect != "mariadb")
        assert entry["error"] is None
        assert all(set(s) == {"sql", "params"} for s in entry["statements"])
    assert [s["sql"].split("(")[0].strip() for s in entries[0]["statements"]] == [
        "CREATE TABLE base",
        "INSERT INTO base",
        "CREATE TABLE counts",
    ]
    insert = entries[1]["statements"][1]
    params = insert["params"]
    # A date as text: JSON has none.
    assert sorted(params.values() if isinstance(params, dict) else params, key=str) == [
        "2026-01-02",
        7,
    ]


NOT_TRANSACTIONAL = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class IndexBase(Migration):
    transactional = False

    def up(self, session):
        concurrently = "CONCURRENTLY " if session.get_bind().dialect.name == "postgresql" else ""
        session.exec(text("CREATE INDEX " + concurrently + "ix_base_label ON base (label)"))

    def down(self, session):
        session.exec(text("DROP INDEX ix_base_label"))
"""


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
def test_a_migration_outside_transactions_is_recorded_not_executed(cli, database, write_migration):
    write_migration("20260101_base", body=BASE)
    cli("migrate")
    write_migration("20260102_index_base", body=NOT_TRANSACTIONAL)
    write_migration("20260103_create_items", body=ITEMS)
    before = snapshot(database)

    text_result = cli("migrate", "--pretend")
    json_result = cli("migrate", "--pretend", "--json")

    assert text_result.exit_code == 0, text_result.output
    assert (
        "Would migrate: 20260102_index_base (not executed: it has transactional = False"
        in text_result.output
    )
    assert "ix_base_label ON base (label);" in text_result.output
    # What follows would not see its changes: recorded, not executed, either.
    assert (
        "Would migrate: 20260103_create_items (not executed: it runs after 20260102_index_base"
        in text_result.output
    )
    entries = json.loads(json_result.stdout)["migrations"]
    assert [(e["name"], e["executed"]) for e in entries] == [
        ("20260102_index_base", False),
        ("20260103_create_items", False),
    ]
    assert snapshot(database) == before


def test_the_flask_command_pretends_too(app, database, write_migration):
    write_migration("20260101_base", body=BASE)

    result = app.test_cli_runner().invoke(args=["migrate", "--pretend"])

    assert result.exit_code == 0, result.output
    assert "Would migrate: 20260101_base" in result.output
    assert "CREATE TABLE base" in result.output
    assert database.table_names() == set()


@pytest.mark.sqlite_only
def test_json_without_pretend_is_a_usage_error(cli, database, write_migration):
    write_migration("20260101_base", body=BASE)

    result = cli("migrate", "--json")

    assert result.exit_code == 2
    assert "--json goes with --pretend" in result.output
    assert database.table_names() == set()


def test_nothing_pending_is_said_as_a_real_run_says_it(cli, database, write_migration):
    write_migration("20260101_base", body=BASE)
    cli("migrate")

    assert cli("migrate", "--pretend").output == "Nothing to migrate.\n"
    assert json.loads(cli("migrate", "--pretend", "--json").stdout) == {"migrations": []}
    cli("migrate:reset", "--force")
    assert cli("migrate:rollback", "--pretend").output == "Nothing to roll back.\n"


def test_schema_operations_show_their_changes_not_their_catalogue_reads(
    cli, database, write_migration
):
    write_migration(
        "20260301_t", "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)", "DROP TABLE t"
    )
    assert cli("migrate").exit_code == 0
    write_migration(
        "20260302_add_w",
        body="""
        import sqlalchemy as sa
        from flask_herogold_migrate import Migration, schema

        class AddW(Migration):
            def up(self, session):
                with schema(session).batch_alter_table("t") as batch:
                    batch.add_column(sa.Column("w", sa.Integer))
                    batch.alter_column(
                        "v", existing_type=sa.Integer, nullable=True, new_column_name="v2"
                    )

            def down(self, session):
                with schema(session).batch_alter_table("t") as batch:
                    batch.alter_column("v2", existing_type=sa.Integer, new_column_name="v")
                    batch.drop_column("w")
        """,
    )
    before = snapshot(database)

    result = cli("migrate", "--pretend", "--json")

    assert result.exit_code == 0, result.output
    statements = [
        s["sql"] for m in json.loads(result.output)["migrations"] for s in m["statements"]
    ]
    assert any("w" in sql for sql in statements), statements
    for sql in statements:
        assert not sql.lstrip().upper().startswith(("PRAGMA", "SHOW", "DESCRIBE")), sql
        assert "sqlite_master" not in sql and "information_schema" not in sql, sql
        assert "pg_catalog" not in sql, sql
    assert snapshot(database) == before


ROLLS_BACK = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class RollsBack(Migration):
    def up(self, session):
        session.exec(text("CREATE TABLE notes (id INTEGER PRIMARY KEY)"))
        session.rollback()

    def down(self, session):
        session.exec(text("DROP TABLE notes"))
"""

READS_ONE = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class ReadsOne(Migration):
    def up(self, session):
        session.exec(text("SELECT 1")).one()

    def down(self, session):
        pass
"""


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_on_mariadb_empty_reads_are_suggested_only_where_they_can_be_why(
    cli, database, write_migration
):
    write_migration("20260101_rolls_back", body=ROLLS_BACK)

    refused = cli("migrate", "--pretend")

    assert refused.exit_code == 1, refused.output
    assert "session.rollback() cannot be used in this migration" in refused.output
    assert "that may be why" not in refused.output

    write_migration("20260101_rolls_back", body=READS_ONE)
    failed = cli("migrate", "--pretend")

    assert failed.exit_code == 1, failed.output
    assert "every read returned no rows: that may be why" in failed.output
