"""``migrate:lint`` fails on findings: a migration it could not rehearse is a note, unless
``--strict``. On MariaDB nothing is sent, so a read returns no rows and a step that needs one
fails in the rehearsal only; on PostgreSQL the same after a ``transactional = False`` step."""

from __future__ import annotations

import pytest

READS_A_ROW = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class AddEditorRoles(Migration):
    def up(self, session):
        count = session.exec(text("SELECT COUNT(*) FROM roles")).scalar_one()
        session.exec(
            text("INSERT INTO roles (id, name) VALUES (:id, 'editor')"), params={"id": count + 1}
        )

    def down(self, session):
        session.exec(text("DELETE FROM roles WHERE name = 'editor'"))
"""


@pytest.fixture
def unrehearsable(cli, database, write_migration):
    write_migration(
        "20260101_roles", "CREATE TABLE roles (id INTEGER PRIMARY KEY, name VARCHAR(20))"
    )
    assert cli("migrate").exit_code == 0
    if database.dialect == "postgresql":  # the steps after this one are not sent
        write_migration("20260102_stats", "ANALYZE roles", transactional=False)
    write_migration("20260103_add_editor_roles", body=READS_A_ROW)


@pytest.mark.parametrize("database", ["postgresql", "mariadb"], indirect=True)
def test_a_migration_that_could_not_be_rehearsed_is_a_note(cli, database, unrehearsable):
    result = cli("migrate:lint")

    assert result.exit_code == 0, result.output
    assert "up to where 20260103_add_editor_roles could not be rehearsed" in result.output
    assert "Note: Migration 20260103_add_editor_roles could not be rehearsed" in result.output

    strict = cli("migrate:lint", "--strict")

    assert strict.exit_code == 1
    assert "could not be rehearsed" in strict.output
    assert cli("migrate").exit_code == 0  # the real run reads the real rows
