"""A step's SQL cannot end the transaction the step runs in, however it is written.

Otherwise ``--pretend`` writes to the real database while saying nothing changed, and a real
run that fails afterwards says its changes were rolled back while they stay committed (and
the migration stays pending, so the next run writes them again).
"""

from __future__ import annotations

import pytest

from flask_herogold_migrate.core.errors import MigrationFailed
from flask_herogold_migrate.core.runtime import transaction_guard
from flask_herogold_migrate.core.runtime.transaction_guard import transaction_control

ENDS_THE_TRANSACTION = [
    "COMMIT",
    "-- note\nCOMMIT",
    "/* c */ COMMIT",
    "/* a */ -- b\n  commit  /* c */",
    "# a MySQL comment\nCOMMIT",
    "/*!COMMIT*/",
    "commit work",
    "Commit And Chain",
    "END",
    "end transaction",
    "ROLLBACK",
    "rollback and chain",
    "ABORT",
    "BEGIN",
    "begin immediate",
    "START TRANSACTION",
    "PREPARE TRANSACTION 'x'",
    "SET autocommit = 1",
    "SET @@session.autocommit = 1",
    "UPDATE t SET label = 'a'; COMMIT",
    "UPDATE t SET label = 'a;b'; -- then\n COMMIT; UPDATE t SET label = 'c'",
]

KEEPS_THE_TRANSACTION = [
    "INSERT INTO t (id, label) VALUES (1, 'COMMIT')",
    "UPDATE t SET label = 'end' -- COMMIT",
    "/* COMMIT */ UPDATE t SET label = 'x'",
    "SAVEPOINT s1",
    "ROLLBACK TO SAVEPOINT s1",
    "rollback work to s1",
    "RELEASE SAVEPOINT s1",
    "DO $$ BEGIN UPDATE t SET label = 'x'; END $$",
    "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET label = 'x'; END",
    "CREATE PROCEDURE p() BEGIN UPDATE t SET label = 'x'; COMMIT; END",
    "BEGIN NOT ATOMIC UPDATE t SET label = 'x'; END",
    "SELECT 'the end', start_date FROM t",
]


@pytest.mark.parametrize("sql", ENDS_THE_TRANSACTION)
def test_a_statement_that_ends_the_transaction_is_recognised(sql):
    assert transaction_control(sql) is not None


@pytest.mark.parametrize("sql", KEEPS_THE_TRANSACTION)
def test_a_statement_that_keeps_the_transaction_is_let_through(sql):
    assert transaction_control(sql) is None


HIDDEN_COMMIT = """
from sqlalchemy import text
from flask_herogold_migrate import Migration

class HiddenCommit(Migration):
    def up(self, session):
        session.exec(text("INSERT INTO t (id) VALUES (1)"))
        session.exec(text({sql!r}))
        session.exec(text("INSERT INTO t (id) VALUES (2)"))
        raise RuntimeError("after the commit")

    def down(self, session):
        pass
"""


@pytest.mark.parametrize("pretend", [False, True], ids=["run", "pretend"])
@pytest.mark.parametrize(
    "sql",
    ["-- note\nCOMMIT", "/* c */ commit and chain", "INSERT INTO t (id) VALUES (3); END"],
    ids=["line-comment", "block-comment-chain", "two-statements-end"],
)
def test_a_hidden_commit_is_refused_and_leaves_no_rows(
    cli, database, create_table_migration, write_migration, sql, pretend
):
    create_table_migration("20260301_t", "t")
    assert cli("migrate").exit_code == 0
    write_migration("20260302_hidden", body=HIDDEN_COMMIT.format(sql=sql))

    result = cli("migrate", *(["--pretend"] if pretend else []))

    assert result.exit_code == 1
    if not (pretend and database.dialect == "mariadb"):  # there nothing is sent at all
        assert "which would end the transaction its step runs in" in result.output
    assert database.scalar("SELECT COUNT(*) FROM t") == 0
    assert set(database.migration_rows()) == {"20260301_t"}
    # Nothing was left behind for the next run to write again.
    assert cli("migrate", "--pretend").exit_code == 1
    assert database.scalar("SELECT COUNT(*) FROM t") == 0


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
def test_a_transaction_ended_unseen_is_caught_after_the_statement_and_recorded_failed(
    database, create_table_migration, write_migration, manager, monkeypatch
):
    create_table_migration("20260301_t", "t")
    manager.run_migrations()
    write_migration("20260302_hidden", body=HIDDEN_COMMIT.format(sql="COMMIT"))
    # As if the tokenizer had not recognised the statement.
    monkeypatch.setattr(transaction_guard, "transaction_control", lambda sql: None)

    with pytest.raises(MigrationFailed, match="recorded as failed") as failure:
        manager.run_migrations()

    assert "ended after one of its statements (COMMIT)" in str(failure.value)
    assert database.migration_rows()["20260302_hidden"]["state"] == "failed"
    assert manager.status().failed == ["20260302_hidden"]


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)  # imports, not the database
def test_the_tokenizer_is_imported_only_for_a_statement_that_may_control_transactions(
    database, migrations_dir, write_migration
):
    import subprocess
    import sys

    write_migration("20260301_t", "CREATE TABLE t (id INTEGER)")
    code = (
        "import sys\n"
        "from flask_herogold_migrate import MigrationManager\n"
        f"manager = MigrationManager({str(migrations_dir)!r}, engine={database.url!r})\n"
        "manager.run_migrations()\n"
        "manager.run_migrations()\n"
        "print('sqlparse' in sys.modules)\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )

    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
def test_a_rehearsal_whose_transaction_ended_unseen_never_says_nothing_changed(
    cli, database, create_table_migration, write_migration, monkeypatch
):
    create_table_migration("20260301_t", "t")
    assert cli("migrate").exit_code == 0
    write_migration("20260302_hidden", body=HIDDEN_COMMIT.format(sql="COMMIT"))
    monkeypatch.setattr(transaction_guard, "transaction_control", lambda sql: None)

    result = cli("migrate", "--pretend")

    assert result.exit_code == 1
    assert "The rehearsal could not roll that back: check the database." in result.output
    assert "Nothing was changed" not in result.output
