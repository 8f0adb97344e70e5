"""An applied file renamed *and* edited is still that migration: refused, never run again."""

from __future__ import annotations

import pytest

BONUS = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class {cls}(Migration):
    def up(self, session):
        session.exec(text("INSERT INTO t (v) VALUES ({value})"))

    def down(self, session):
        session.exec(text("DELETE FROM t"))
"""


@pytest.fixture
def bonus_applied(cli, database, write_migration, migrations_dir):
    write_migration("20260101_t", "CREATE TABLE t (v INTEGER)", "DROP TABLE t")
    write_migration("20260102_add_bonus", body=BONUS.format(cls="AddBonus", value=1))
    assert cli("migrate").exit_code == 0
    (migrations_dir / "20260102_add_bonus.py").unlink()


@pytest.mark.parametrize(
    ("new_stem", "cls", "shared"),
    [
        ("20260102_02_add_bonus", "Bonus", "the same date and description"),
        ("20260301_bonus_rows", "AddBonus", "the same class name, AddBonus"),
    ],
    ids=["date-and-description", "class-name"],
)
def test_a_renamed_and_edited_applied_file_is_refused_naming_both(
    cli, database, write_migration, bonus_applied, new_stem, cls, shared
):
    write_migration(new_stem, body=BONUS.format(cls=cls, value=2))

    result = cli("migrate")

    assert result.exit_code == 1
    assert (
        f"{new_stem} has {shared} as 20260102_add_bonus, which is applied and whose file is "
        "gone" in result.output
    )
    assert "Nothing was run" in result.output
    assert database.scalar("SELECT COUNT(*) FROM t") == 1
    assert set(database.migration_rows()) == {"20260101_t", "20260102_add_bonus"}

    repaired = cli("migrate:repair", "--rename-moved", "--force")

    assert repaired.exit_code == 0, repaired.output
    assert f"20260102_add_bonus -> {new_stem}" in repaired.output
    assert cli("migrate").exit_code == 0
    assert set(database.migration_rows()) == {"20260101_t", new_stem}
    assert database.scalar("SELECT COUNT(*) FROM t") == 1


def test_a_new_migration_unlike_the_missing_one_still_runs(
    cli, database, write_migration, bonus_applied
):
    write_migration("20260301_more_rows", body=BONUS.format(cls="MoreRows", value=2))

    result = cli("migrate")

    assert result.exit_code == 0, result.output
    assert database.scalar("SELECT COUNT(*) FROM t") == 2
