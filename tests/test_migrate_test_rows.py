"""``migrate:test --with-rows``: a generated row in each empty table before each step.

On an empty throwaway database every step passes, even one that fails on the first table
with a row. With ``--with-rows`` (on by default in the pytest plugin's
``migration_checks()``) such a step fails its check, named, as it would in production.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from flask_herogold_migrate.core.testing.seed_rows import fill_empty_tables

# The models compared are this file's only (SQLModel's MetaData is one per process).
pytestmark = pytest.mark.usefixtures("sqlmodel_metadata_of_this_test")

CREATE = (
    "CREATE TABLE owners (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL)",
    "CREATE TABLE items (id INTEGER PRIMARY KEY, label VARCHAR(40) NOT NULL, "
    "note VARCHAR(40), owner_id INTEGER NOT NULL REFERENCES owners (id))",
)

#: A step that runs on an empty table and fails on one with a row, on each database: a NOT
#: NULL column without a default (MariaDB fills it with 0 instead), a string to an integer.
ADD_SIZE = "ALTER TABLE items ADD COLUMN size INTEGER NOT NULL"
DROP_SIZE = "ALTER TABLE items DROP COLUMN size"
NEEDS_EMPTY = {
    "sqlite": (ADD_SIZE, DROP_SIZE),
    "postgresql": (ADD_SIZE, DROP_SIZE),
    "mariadb": (
        "ALTER TABLE items MODIFY label INTEGER NOT NULL",
        "ALTER TABLE items MODIFY label VARCHAR(40) NOT NULL",
    ),
}


@pytest.fixture
def migrations(database, write_migration):
    write_migration(
        "20240101_create_items", list(CREATE), ["DROP TABLE items", "DROP TABLE owners"]
    )
    up, down = NEEDS_EMPTY[database.dialect]
    write_migration("20240102_change_items", up, down)


def test_without_rows_a_step_that_needs_empty_tables_passes(cli, migrations):
    result = cli("migrate:test")

    assert result.exit_code == 0, result.output


def test_with_rows_a_step_that_cannot_keep_its_rows_fails_named(cli, migrations):
    result = cli("migrate:test", "--with-rows")

    assert result.exit_code == 1, result.output
    failed = [line for line in result.output.splitlines() if "FAILED" in line]
    assert failed and all("20240102_change_items" in line for line in failed), result.output
    assert any(
        "20240101_create_items" in line and "ok" in line for line in result.output.splitlines()
    )


def test_each_empty_table_gets_one_row_that_refers_to_another(database):
    with database.engine.begin() as conn:
        for statement in CREATE:
            conn.execute(text(statement))

    filled = fill_empty_tables(database.engine)
    again = fill_empty_tables(database.engine)

    assert filled == ["owners", "items"]
    assert again == []
    (owner,) = database.rows("owners")
    (item,) = database.rows("items")
    assert item["owner_id"] == owner["id"] == 30000
    assert item["note"] is None
    assert item["label"] == "x"


@pytest.mark.parametrize("database_server", ["sqlite"], indirect=True)  # no database behaviour
@pytest.mark.parametrize(("options", "failed"), [("", 1), ("with_rows=False", 0)])
def test_the_pytest_plugin_checks_with_rows_unless_told_not_to(
    pytester, database_server, options, failed
):
    up, down = NEEDS_EMPTY["sqlite"]
    body = (
        "from sqlalchemy import text\n"
        "from flask_herogold_migrate import Migration\n\n\n"
        "class Step(Migration):\n"
        "    def up(self, session):\n{up}\n"
        "    def down(self, session):\n{down}\n"
    )

    def lines(statements) -> str:
        return "\n".join(f"        session.exec(text({s!r}))" for s in statements)

    directory = pytester.path / "migrations"
    directory.mkdir()
    (directory / "20240101_create_items.py").write_text(
        body.format(up=lines(CREATE), down=lines(["DROP TABLE items", "DROP TABLE owners"]))
    )
    (directory / "20240102_change_items.py").write_text(
        body.format(up=lines([up]), down=lines([down]))
    )
    pytester.makeini(f"[pytest]\nherogold_database_url = {database_server}\n")
    pytester.makeconftest(
        "import pytest\n\n\n@pytest.fixture\ndef herogold_model_metadata():\n    return []\n"
    )
    pytester.makepyfile(
        test_checked=(
            "from flask_herogold_migrate.pytest_plugin import migration_checks\n\n"
            f"test_migrations = migration_checks({options})\n"
        )
    )

    result = pytester.runpytest("-v")

    # A step that did not apply has no round trip: skipped.
    result.assert_outcomes(passed=6 - 2 * failed, failed=failed, skipped=1 + failed)
    if failed:
        result.stdout.fnmatch_lines(["*from_empty-20240102_change_items* FAILED*"])
