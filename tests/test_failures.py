"""A migration that fails: what is rolled back, when a ``failed`` record is left instead (DDL that
commits on its own, ``transactional = False``, procedures), and how the error reads.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from flask_herogold_migrate.core.errors import FailedMigrationRecorded, MigrationFailed
from tests.helpers import NON_TRANSACTIONAL


def test_failing_migration_is_rolled_back_and_earlier_ones_stay(
    cli, database, write_migration, create_table_migration
):
    create_table_migration("20260301_good", "good")
    # Data first, then DDL, then the failure: a half-done migration if anything leaked.
    write_migration(
        "20260302_bad",
        [
            "INSERT INTO good (id, label) VALUES (1, 'x')",
            "CREATE TABLE bad_table (id INTEGER PRIMARY KEY)",
            "SELECT * FROM no_such_table",
        ],
    )
    create_table_migration("20260303_after", "after")

    result = cli("migrate")

    assert result.exit_code == 1
    assert "Migration 20260302_bad failed in up()" in result.output
    assert "no_such_table" in result.output
    assert "Traceback" not in result.output
    # One paragraph, naming the statement: none of SQLAlchemy's [SQL: ...] and link lines.
    progress = ("Migrating: ", "Migrated: ")
    rest = [
        line
        for line in result.output.splitlines()
        if not line.lstrip("[/0123456789] ").startswith(progress)
    ]
    assert len(rest) == 1 and rest[0].startswith("Error: Migration 20260302_bad"), rest
    assert "(SQL: SELECT * FROM no_such_table)" in result.output
    assert "sqlalche.me" not in result.output and ".." not in result.output
    rows = database.migration_rows()
    assert "20260301_good" in rows and "20260303_after" not in rows
    assert "after" not in database.table_names()
    if database.dialect == "mariadb":
        # DDL committed on its own: the migration is visibly failed, not silently half-applied.
        assert rows["20260302_bad"]["state"] == "failed"
        assert "migrate:repair" in result.output
    else:
        assert "20260302_bad" not in rows
        assert "bad_table" not in database.table_names()
        assert database.scalar("SELECT COUNT(*) FROM good") == 0


def test_dml_only_failure_leaves_no_failed_record_anywhere(
    database, write_migration, create_table_migration, manager
):
    create_table_migration("20260301_items", "items")
    manager.run_migrations()
    write_migration(
        "20260302_bad_data",
        [
            "INSERT INTO items (id, label) VALUES (1, 'a')",
            "INSERT INTO items (id, label) VALUES (1, 'dup')",
        ],
    )

    with pytest.raises(MigrationFailed) as failure:
        manager.run_migrations()

    assert not failure.value.recorded_failed
    assert set(database.migration_rows()) == {"20260301_items"}
    assert database.scalar("SELECT COUNT(*) FROM items") == 0


def test_a_step_that_exits_fails_its_migration_instead_of_ending_the_run(
    cli, database, create_table_migration, write_migration
):
    create_table_migration("20260301_fine", "fine")
    write_migration(
        "20260302_exits",
        body="""
        import sys
        from flask_herogold_migrate import Migration

        class Exits(Migration):
            def up(self, session):
                sys.exit(3)
        """,
    )

    result = cli("migrate")

    assert result.exit_code == 1
    assert "Error: Migration 20260302_exits failed in up(): SystemExit: 3." in result.output
    assert set(database.migration_rows()) == {"20260301_fine"}


def test_a_semicolon_inside_a_string_does_not_make_a_data_step_look_committed(
    database, write_migration, manager
):
    write_migration(
        "20260301_notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body VARCHAR(50))"
    )
    write_migration(
        "20260302_fill",
        body="""
        from sqlalchemy import text
        from flask_herogold_migrate import Migration

        class Fill(Migration):
            def up(self, session):
                session.exec(text("INSERT INTO notes VALUES (1, 'color: red; margin: 0')"))
                raise RuntimeError("bug in the data step")
        """,
    )

    with pytest.raises(MigrationFailed, match="Its changes were rolled back"):
        manager.run_migrations()

    assert set(database.migration_rows()) == {"20260301_notes"}
    assert database.rows("notes") == []


PROCEDURES = {
    # A procedure that commits part of its work, then fails.
    "postgresql": (
        "CREATE PROCEDURE fill() LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO log VALUES (1); COMMIT; RAISE EXCEPTION 'half way'; END $$"
    ),
    # DDL (which commits), then an error the server reports as a parse error (1064).
    "mariadb": (
        "CREATE PROCEDURE fill() BEGIN CREATE TABLE made_by_fill (id INT); "
        "PREPARE broken FROM 'SELEC 1'; END"
    ),
}


@pytest.mark.parametrize("database", ["postgresql", "mariadb"], indirect=True)
def test_a_procedure_that_committed_part_of_its_work_leaves_a_failed_record(
    database, write_migration, manager
):
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE log (id INTEGER)"))
        conn.exec_driver_sql(PROCEDURES[database.dialect])
    write_migration("20260301_fill", "CALL fill()", transactional=False)

    with pytest.raises(MigrationFailed) as failure:
        manager.run_migrations()

    assert database.migration_rows()["20260301_fill"]["state"] == "failed"
    assert "migrate:repair" in str(failure.value)


def test_ddl_alone_is_rolled_back_where_ddl_is_transactional(database, write_migration, manager):
    # With the sqlite3 driver's default (legacy) mode this CREATE TABLE would survive: the
    # driver sends no BEGIN before DDL. The database fixture's SQLite is a file database.
    write_migration(
        "20260301_ddl_then_error",
        ["CREATE TABLE survives_if_buggy (id INTEGER PRIMARY KEY)", "SELECT * FROM no_such_table"],
    )

    with pytest.raises(MigrationFailed):
        manager.run_migrations()

    if database.dialect != "mariadb":
        assert "survives_if_buggy" not in database.table_names()
        assert database.migration_rows() == {}


def test_non_transactional_failure_half_way_is_recorded_as_failed(
    database, write_migration, manager
):
    write_migration(
        "20260301_index", body=NON_TRANSACTIONAL.replace("FAIL", "raise RuntimeError('x')")
    )

    with pytest.raises(MigrationFailed) as failure:
        manager.run_migrations()

    assert failure.value.recorded_failed  # on every database: its statements had committed
    assert database.migration_rows()["20260301_index"]["state"] == "failed"
    assert "big" in database.table_names()
    assert manager.status().failed == ["20260301_index"]
    assert "it has transactional = False, so each statement commits on its own" in str(
        failure.value
    )


def test_a_unique_index_failing_outside_a_transaction_is_recorded_where_it_left_something(
    database, write_migration, manager
):
    """PostgreSQL's CONCURRENTLY commits in steps: failing, it leaves an invalid index."""
    write_migration(
        "20260301_dups",
        ["CREATE TABLE dups (x INTEGER)", "INSERT INTO dups (x) VALUES (1)",
         "INSERT INTO dups (x) VALUES (1)"],
    )  # fmt: skip
    concurrently = "CONCURRENTLY " if database.dialect == "postgresql" else ""
    write_migration(
        "20260302_unique",
        f"CREATE UNIQUE INDEX {concurrently}ix_dups ON dups (x)",
        transactional=False,
    )

    with pytest.raises(MigrationFailed) as failure:
        manager.run_migrations()

    state = database.migration_rows().get("20260302_unique", {}).get("state")
    if database.dialect != "postgresql":  # one statement, refused whole: nothing is left
        assert state is None and "Its changes were rolled back." in str(failure.value)
    else:  # an invalid index
        assert state == "failed" and "migrate:repair" in str(failure.value)


def test_a_failure_to_record_a_failure_still_reports_the_migration_s_own_error(
    database, write_migration, manager, monkeypatch
):
    write_migration(
        "20260301_index", body=NON_TRANSACTIONAL.replace("FAIL", "raise RuntimeError('boom')")
    )

    def tracking_write_fails(*args, **kwargs):
        raise OSError("the tracking table cannot be written")

    monkeypatch.setattr(manager.tracking, "fail", tracking_write_fails)

    with pytest.raises(MigrationFailed) as failure:
        manager.run_migrations()

    message = str(failure.value)
    assert message.startswith("Migration 20260301_index failed in up(): RuntimeError: boom.")
    assert "Its record could not be updated afterwards (OSError: the tracking table cannot" in (
        message
    )
    assert database.migration_rows()["20260301_index"]["state"] == "running"
    monkeypatch.undo()
    with pytest.raises(FailedMigrationRecorded):  # the next run, under the lock, says so
        manager.run_migrations()
    assert database.migration_rows()["20260301_index"]["state"] == "failed"


def test_non_transactional_failure_before_anything_committed_is_not_recorded(
    database, write_migration, manager
):
    """A statement that fails without a transaction around it changed nothing: no repair."""
    write_migration(
        "20260301_index",
        ["SELECT * FROM no_such_table", "CREATE TABLE big (id INTEGER PRIMARY KEY)"],
        transactional=False,
    )

    with pytest.raises(MigrationFailed) as failure:
        manager.run_migrations()

    assert not failure.value.recorded_failed
    assert "Its changes were rolled back." in str(failure.value)
    assert database.migration_rows() == {}
    assert "big" not in database.table_names()
    assert manager.status().pending == ["20260301_index"]


def applied_table_t(cli, write_migration) -> None:
    """Table t with one row (id 1, v 1), made by an applied migration."""
    write_migration(
        "20260301_t",
        [
            "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)",
            "INSERT INTO t (id, v) VALUES (1, 1)",
        ],
    )
    assert cli("migrate").exit_code == 0


def test_a_ddl_typo_after_an_update_is_rolled_back_with_it_and_runs_once_fixed(
    cli, database, write_migration
):
    # MySQL and MariaDB reject a statement they cannot parse before its implicit commit, so
    # the UPDATE is rolled back there too: no failed record, no repair needed.
    applied_table_t(cli, write_migration)
    write_migration("20260302_set_v", ["UPDATE t SET v = 99", "ALTER TABL t ADD w INTEGER"])

    result = cli("migrate")

    assert result.exit_code == 1
    assert "Migration 20260302_set_v failed in up()" in result.output
    assert "(SQL: ALTER TABL t ADD w INTEGER)" in result.output
    assert "Its changes were rolled back." in result.output
    assert "recorded as failed" not in result.output
    assert set(database.migration_rows()) == {"20260301_t"}
    assert database.rows("t") == [{"id": 1, "v": 1}]

    write_migration("20260302_set_v", ["UPDATE t SET v = 99", "ALTER TABLE t ADD w INTEGER"])
    fixed = cli("migrate")

    assert fixed.exit_code == 0, fixed.output
    assert "Migrated: 20260302_set_v" in fixed.output
    assert database.migration_rows()["20260302_set_v"]["state"] == "applied"
    assert database.rows("t") == [{"id": 1, "v": 99, "w": None}]


@pytest.mark.parametrize(
    "statements",
    [
        ["UPDATE t SET v = 99", "ALTER TABLE no_such ADD w INTEGER"],
        ["UPDATE t SET v = 99", "CREATE TABLE u (id INTEGER)", "ALTER TABL t ADD w INTEGER"],
    ],
    ids=["ddl_failing_while_it_runs", "typo_after_ddl_that_ran"],
)
def test_a_failed_ddl_after_something_committed_still_leaves_a_failed_record(
    cli, database, write_migration, statements
):
    applied_table_t(cli, write_migration)
    write_migration("20260302_set_v", statements)

    result = cli("migrate")

    assert result.exit_code == 1
    if database.dialect != "mariadb":
        assert "Its changes were rolled back." in result.output
        assert set(database.migration_rows()) == {"20260301_t"}
        assert database.rows("t") == [{"id": 1, "v": 1}]
        return
    # The DDL committed the UPDATE before it failed (or one had run): a repair is needed.
    assert "Its changes were rolled back." not in result.output
    assert "recorded as failed" in result.output and "migrate:repair" in result.output
    assert database.migration_rows()["20260302_set_v"]["state"] == "failed"
    assert database.rows("t") == [{"id": 1, "v": 99}]


DDL_TYPO = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class AddW(Migration):
    transactional = TRANSACTIONAL

    def up(self, session):
        UP
"""


def test_a_ddl_typo_first_in_a_non_transactional_migration_is_not_recorded(
    cli, database, write_migration
):
    applied_table_t(cli, write_migration)
    up = 'session.exec(text("ALTER TABL t ADD w INTEGER"))'
    write_migration(
        "20260302_add_w", body=DDL_TYPO.replace("TRANSACTIONAL", "False").replace("UP", up)
    )

    result = cli("migrate")

    assert result.exit_code == 1
    assert "Its changes were rolled back." in result.output
    assert set(database.migration_rows()) == {"20260301_t"}


def test_a_ddl_typo_raised_again_as_another_error_is_still_rolled_back(
    cli, database, write_migration
):
    applied_table_t(cli, write_migration)
    up = """session.exec(text("UPDATE t SET v = 99"))
        try:
            session.exec(text("ALTER TABL t ADD w INTEGER"))
        except Exception as error:
            raise RuntimeError("could not add w") from error"""
    write_migration(
        "20260302_add_w", body=DDL_TYPO.replace("TRANSACTIONAL", "True").replace("UP", up)
    )

    result = cli("migrate")

    assert result.exit_code == 1
    assert "RuntimeError: could not add w. Its changes were rolled back." in result.output
    assert set(database.migration_rows()) == {"20260301_t"}
    assert database.rows("t") == [{"id": 1, "v": 1}]


def test_mysql_counts_calls_and_strings_of_statements_as_possibly_committing():
    """A procedure, or one of several statements, may run DDL, which commits: assume it does."""
    from flask_herogold_migrate.core.dialects.mysql import MySQLImpl

    impl = MySQLImpl()
    assert impl.commits_on_its_own("CALL archive_orders()")
    assert impl.commits_on_its_own("ALTER TABLE t ADD c INT")
    assert not impl.commits_on_its_own("  UPDATE t SET v = 1")
    assert impl.commits_on_its_own("INSERT INTO t VALUES (1); CREATE TABLE u (id INT)")
    assert not impl.commits_on_its_own("UPDATE t SET v = 1;")


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_an_interrupt_after_ddl_committed_is_recorded_as_failed_not_running(
    database, write_migration, manager
):
    write_migration(
        "20260301_interrupted",
        body="""
        from sqlalchemy import text
        from flask_herogold_migrate import Migration

        class Interrupted(Migration):
            def up(self, session):
                session.exec(text("CREATE TABLE half (id INTEGER)"))
                raise KeyboardInterrupt

            def down(self, session):
                pass
        """,
    )

    with pytest.raises(KeyboardInterrupt):
        manager.run_migrations()

    assert database.migration_rows()["20260301_interrupted"]["state"] == "failed"
    assert manager.status().failed == ["20260301_interrupted"]


COMMITS_HALF_WAY = """
from sqlalchemy import text
from flask_herogold_migrate import Migration

class CommitsHalfWay(Migration):
    def up(self, session):
        session.exec(text("INSERT INTO t (id) VALUES (1)"))
        session.exec(text("COMMIT"))
        session.exec(text("INSERT INTO t (id) VALUES (2)"))
        raise RuntimeError("after the commit")

    def down(self, session):
        pass
"""


@pytest.mark.parametrize("pretend", [False, True])
def test_a_commit_sent_as_sql_is_refused_and_the_step_leaves_nothing(
    cli, database, create_table_migration, write_migration, pretend
):
    create_table_migration("20260301_t", "t")
    assert cli("migrate").exit_code == 0
    write_migration("20260302_commits", body=COMMITS_HALF_WAY)

    result = cli("migrate", *(["--pretend"] if pretend else []))

    assert result.exit_code == 1
    if not (pretend and database.dialect == "mariadb"):  # there nothing is sent at all
        assert "The migration sent COMMIT, which would end the transaction" in result.output
    assert database.scalar("SELECT COUNT(*) FROM t") == 0
    assert set(database.migration_rows()) == {"20260301_t"}


def test_a_failure_says_which_migrations_of_its_run_had_committed(
    database, create_table_migration, write_migration, manager
):
    create_table_migration("20260301_first", "first")
    write_migration("20260302_broken", "CREATE TABLE broken (")

    with pytest.raises(MigrationFailed) as failure:
        manager.run_migrations()

    assert failure.value.completed == ("20260301_first",)
    assert set(database.migration_rows()) == {"20260301_first"}
