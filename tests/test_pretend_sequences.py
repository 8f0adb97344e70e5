"""``--pretend`` says which sequences it moved on: a rollback does not undo ``nextval()``.

They are not set back: a value another session took meanwhile would be handed out twice.
"""

from __future__ import annotations

import json

import pytest

AUTO_ID = {
    "sqlite": "id INTEGER PRIMARY KEY AUTOINCREMENT",
    "postgresql": "id SERIAL PRIMARY KEY",
    "mariadb": "id INTEGER AUTO_INCREMENT PRIMARY KEY",
}


@pytest.fixture
def one_row_and_a_pending_insert(cli, database, write_migration):
    write_migration(
        "20260301_t", f"CREATE TABLE t ({AUTO_ID[database.dialect]}, v INTEGER)", "DROP TABLE t"
    )
    write_migration("20260302_first", "INSERT INTO t (v) VALUES (1)", "DELETE FROM t")
    assert cli("migrate").exit_code == 0
    write_migration("20260303_second", "INSERT INTO t (v) VALUES (2)", "DELETE FROM t")


def test_a_rehearsal_names_the_sequences_it_moved_on(cli, database, one_row_and_a_pending_insert):
    pretend = cli("migrate", "--pretend")

    assert pretend.exit_code == 0, pretend.output
    if database.dialect == "postgresql":
        assert "Except sequences, which a rollback does not set back: public.t_id_seq (1 -> 2)" in (
            pretend.output
        )
        as_json = json.loads(cli("migrate", "--pretend", "--json").output)
        assert as_json["sequences_advanced"] == [
            {"name": "public.t_id_seq", "before": 2, "after": 3}
        ]
    else:  # SQLite's counter rolls back; MariaDB's rehearsal sends nothing
        assert "sequences" not in pretend.output
        assert cli("migrate").exit_code == 0
        assert database.scalar("SELECT id FROM t WHERE v = 2") == 2


def test_a_rehearsal_that_inserts_nothing_names_no_sequence(cli, database, write_migration):
    write_migration(
        "20260301_t", f"CREATE TABLE t ({AUTO_ID[database.dialect]}, v INTEGER)", "DROP TABLE t"
    )
    assert cli("migrate").exit_code == 0
    write_migration("20260302_more", "ALTER TABLE t ADD COLUMN w INTEGER")

    pretend = cli("migrate", "--pretend")

    assert pretend.exit_code == 0, pretend.output
    assert "sequences" not in pretend.output
