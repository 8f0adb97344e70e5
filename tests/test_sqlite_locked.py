"""SQLite lets one connection write at a time. A run whose first write finds another
connection writing says so, with how long it waited and that nothing ran: creating the
tracking table honours the statement lock timeout, and a step that could not begin never
claims to have failed in ``up()``."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner
from sqlalchemy import make_url

from flask_herogold_migrate.__main__ import main

sqlite_only = pytest.mark.parametrize("database", ["sqlite"], indirect=True)


@pytest.fixture
def other_writer(database):
    """Another connection in the middle of a write."""
    other = sqlite3.connect(make_url(database.url).database, isolation_level=None)
    other.execute("CREATE TABLE IF NOT EXISTS scratch (id INTEGER)")
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO scratch VALUES (1)")
    yield other
    if other.in_transaction:
        other.execute("ROLLBACK")
    other.close()


@sqlite_only
def test_creating_the_tracking_table_waits_the_statement_lock_timeout_and_says_why(
    cli, database, write_migration, other_writer
):
    write_migration("20260301_t", "CREATE TABLE t (id INTEGER)")

    result = cli("migrate", "--statement-lock-timeout", "0.2")

    assert result.exit_code == 1
    assert (
        "The database was locked by another connection, and creating the tracking table gave "
        "up waiting for it after 0.2 s. Nothing ran." in result.output
    )
    assert "Database error" not in result.output
    other_writer.execute("ROLLBACK")
    assert "migrations" not in database.table_names()
    assert cli("migrate").exit_code == 0


@sqlite_only
def test_without_a_timeout_it_says_how_long_the_database_s_own_wait_was(
    database, migrations_dir, write_migration, other_writer
):
    write_migration("20260301_t", "CREATE TABLE t (id INTEGER)")
    url = f"{database.url}?timeout=0.3"

    result = CliRunner().invoke(
        main, ["migrate", "--dir", str(migrations_dir), "--database-url", url]
    )

    assert result.exit_code == 1
    assert "creating the tracking table gave up waiting for it after 0.3 s" in result.output


@sqlite_only
@pytest.mark.parametrize("transactional", [True, False], ids=["transactional", "not"])
def test_a_step_that_could_not_begin_did_not_start_and_stays_pending(
    cli, database, write_migration, transactional
):
    write_migration("20260301_t", "CREATE TABLE t (id INTEGER)")
    assert cli("migrate").exit_code == 0
    write_migration("20260302_more", "CREATE TABLE more (id INTEGER)", transactional=transactional)
    other = sqlite3.connect(make_url(database.url).database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        result = cli("migrate", "--statement-lock-timeout", "0.2")
    finally:
        other.execute("ROLLBACK")
        other.close()

    assert result.exit_code == 1
    assert (
        "Migration 20260302_more did not start: the database was locked by another "
        "connection, and its up() transaction gave up waiting for it after 0.2 s. Nothing of "
        "it ran: it is still pending." in result.output
    )
    assert "failed in up()" not in result.output
    assert "rolled back" not in result.output
    assert set(database.migration_rows()) == {"20260301_t"}
    assert cli("migrate").exit_code == 0
