"""``migrate:lint``: the statements of the pending migrations, captured as ``--pretend`` does,
checked against rules for the database: squawk's on PostgreSQL, our own on MariaDB (a
migration mixing DDL and data cannot be atomic there), none on SQLite. Linting changes
nothing.
"""

from __future__ import annotations

import pytest

from flask_herogold_migrate.core.preview import squawk
from tests.helpers import snapshot

ACCOUNTS = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class CreateAccounts(Migration):
    def up(self, session):
        session.exec(text("CREATE TABLE accounts (id BIGINT PRIMARY KEY, email TEXT)"))

    def down(self, session):
        session.exec(text("DROP TABLE accounts"))
"""

PLAIN_INDEX = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class IndexAccounts(Migration):
{extra}
    def up(self, session):
        session.exec(
            text("INSERT INTO accounts (id, email) VALUES (:id, :email)"),
            params={{"id": 1, "email": "ada@example.com"}},
        )
        session.exec(text("CREATE INDEX ix_accounts_email ON accounts (email)"))

    def down(self, session):
        session.exec(text("DROP INDEX ix_accounts_email"))
"""

CONCURRENT_INDEX = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class IndexAccounts(Migration):
    transactional = False

    def up(self, session):
        session.exec(text("CREATE INDEX CONCURRENTLY ix_accounts_email ON accounts (email)"))

    def down(self, session):
        session.exec(text("DROP INDEX CONCURRENTLY ix_accounts_email"))
"""

postgresql_only = pytest.mark.parametrize("database", ["postgresql"], indirect=True)


@pytest.fixture
def accounts_applied(cli, write_migration):
    """An existing table: the one the pending migrations index."""
    write_migration("20260101_create_accounts", body=ACCOUNTS)
    assert cli("migrate").exit_code == 0


@postgresql_only
def test_a_plain_index_on_an_existing_table_is_reported_with_its_file(
    cli, database, write_migration, accounts_applied
):
    path = write_migration("20260102_index_accounts", body=PLAIN_INDEX.format(extra=""))
    before = snapshot(database)

    result = cli("migrate:lint")

    assert result.exit_code == 1, result.output
    assert f"{path.name}: require-concurrent-index-creation" in result.output
    assert str(path.resolve()) in result.output or f"migrations/{path.name}" in result.output
    assert "  CREATE INDEX ix_accounts_email ON accounts (email)\n" in result.output
    assert "Found 1 problem in 1 pending migration." in result.output
    assert "syntax-error" not in result.output  # the INSERT's placeholders parse
    assert "Traceback" not in result.output
    assert snapshot(database) == before


@postgresql_only
def test_the_concurrent_form_outside_a_transaction_passes(
    cli, database, write_migration, accounts_applied
):
    write_migration("20260102_index_accounts", body=CONCURRENT_INDEX)
    before = snapshot(database)

    result = cli("migrate:lint")

    assert result.exit_code == 0, result.output
    assert result.output == "No problems in 1 pending migration.\n"
    assert snapshot(database) == before


NEW_TABLE_INDEXED = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class CreateTeams(Migration):
    def up(self, session):
        session.exec(text("CREATE TABLE teams (id BIGINT PRIMARY KEY, name TEXT)"))
        session.exec(text("CREATE INDEX ix_teams_name ON teams (name)"))

    def down(self, session):
        session.exec(text("DROP TABLE teams"))
"""


@postgresql_only
def test_an_index_on_a_table_its_own_transaction_creates_passes(cli, database, write_migration):
    write_migration("20260102_create_teams", body=NEW_TABLE_INDEXED)

    result = cli("migrate:lint")

    assert result.exit_code == 0, result.output
    assert result.output == "No problems in 1 pending migration.\n"


@postgresql_only
def test_lint_ignore_silences_a_rule_for_its_migration(
    cli, database, write_migration, accounts_applied
):
    extra = '    lint_ignore = ["require-concurrent-index-creation"]\n'
    write_migration("20260102_index_accounts", body=PLAIN_INDEX.format(extra=extra))

    result = cli("migrate:lint")

    assert result.exit_code == 0, result.output
    assert "require-concurrent-index-creation" not in result.output
    assert "No problems in 1 pending migration (1 silenced by lint_ignore)." in result.output


@postgresql_only
def test_lint_ignore_must_be_a_list_of_rule_names(cli, database, write_migration, accounts_applied):
    extra = '    lint_ignore = "require-concurrent-index-creation"\n'
    write_migration("20260102_index_accounts", body=PLAIN_INDEX.format(extra=extra))

    result = cli("migrate:lint")

    assert result.exit_code == 1
    assert "lint_ignore must be a list of rule names" in result.output
    assert "Traceback" not in result.output


@postgresql_only
def test_without_squawk_one_message_says_how_to_install_it(
    cli, database, write_migration, accounts_applied, monkeypatch, tmp_path
):
    write_migration("20260102_index_accounts", body=PLAIN_INDEX.format(extra=""))
    monkeypatch.setattr(squawk, "_script_directories", lambda: [])
    monkeypatch.setenv("PATH", str(tmp_path))
    before = snapshot(database)

    result = cli("migrate:lint")

    assert result.exit_code == 1
    assert result.output.count('pip install "flask-herogold-migrate[lint]"') == 1
    assert result.output.startswith("Error: ")
    assert len(result.output.splitlines()) == 1
    assert snapshot(database) == before


@postgresql_only
def test_a_migration_that_would_fail_is_reported(cli, database, write_migration, accounts_applied):
    write_migration("20260102_broken", "CREATE INDEX ix_nowhere ON no_such_table (x)")

    result = cli("migrate:lint")

    assert result.exit_code == 1
    assert "Migration 20260102_broken would fail in up():" in result.output
    assert "no_such_table" in result.output


@postgresql_only
def test_nothing_pending_is_nothing_to_lint(cli, database, accounts_applied):
    result = cli("migrate:lint")

    assert result.exit_code == 0, result.output
    assert result.output == "Nothing to lint: no migration is pending.\n"


@postgresql_only
def test_the_flask_command_lints_too(app, database, write_migration, accounts_applied):
    write_migration("20260102_index_accounts", body=PLAIN_INDEX.format(extra=""))

    result = app.test_cli_runner().invoke(args=["migrate:lint"])

    assert result.exit_code == 1, result.output
    assert "require-concurrent-index-creation" in result.output


MIXED = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class AddRoles(Migration):
{extra}
    def up(self, session):
        session.exec(text("CREATE TABLE roles (id INTEGER PRIMARY KEY, name VARCHAR(20))"))
        session.exec(text("INSERT INTO roles (id, name) VALUES (1, 'admin')"))

    def down(self, session):
        session.exec(text("DROP TABLE roles"))
"""


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_on_mariadb_a_migration_mixing_ddl_and_data_is_reported(
    cli, database, write_migration, accounts_applied
):
    write_migration("20260102_add_roles", body=MIXED.format(extra=""))
    write_migration("20260103_schema_only", "CREATE INDEX ix_accounts_email ON accounts (id)")
    write_migration("20260104_data_only", "INSERT INTO accounts (id, email) VALUES (1, 'a')")
    before = snapshot(database)

    result = cli("migrate:lint")

    assert result.exit_code == 1, result.output
    assert "20260102_add_roles.py: mixed-ddl-and-data" in result.output
    assert "  INSERT INTO roles (id, name) VALUES (1, 'admin')\n" in result.output
    assert "cannot be atomic" in result.output
    assert "schema_only.py" not in result.output
    assert "data_only.py" not in result.output
    assert "Found 1 problem in 3 pending migrations." in result.output
    assert snapshot(database) == before

    extra = '    lint_ignore = ["mixed-ddl-and-data"]\n'
    write_migration("20260102_add_roles", body=MIXED.format(extra=extra))
    assert cli("migrate:lint").exit_code == 0


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_on_sqlite_there_is_nothing_to_lint(cli, database, write_migration, accounts_applied):
    write_migration("20260102_index_accounts", body=PLAIN_INDEX.format(extra=""))
    before = snapshot(database)

    result = cli("migrate:lint")

    assert result.exit_code == 0, result.output
    assert result.output.startswith("Nothing to lint on SQLite: ")
    assert snapshot(database) == before


@postgresql_only
def test_a_failed_rehearsal_never_claims_the_failed_migration_was_linted(
    cli, database, write_migration, accounts_applied
):
    write_migration("20260102_fine", "CREATE TABLE fine (id INTEGER)")
    write_migration(
        "20260103_broken", ["SELECT * FROM no_such_table", "CREATE INDEX ix ON accounts (id)"]
    )

    result = cli("migrate:lint")

    assert result.exit_code == 1
    assert "No problems in 2 pending migrations, up to where 20260103_broken failed." in (
        result.output
    )
    assert "were not linted." in result.output
