"""A table's fingerprint (what lets a snapshot skip reflecting it again) changes with every
change to the table that reflection would show, and not another table's."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from flask_herogold_migrate.core.testing.fingerprints import table_fingerprints

# Each change, as (what, SQL per dialect); they run in this order on tables a and b.
CHANGES = [
    ("add column", "ALTER TABLE a ADD COLUMN note VARCHAR(20)"),
    (
        "change a column's type",
        {
            "postgresql": "ALTER TABLE a ALTER COLUMN note TYPE VARCHAR(40)",
            "mariadb": "ALTER TABLE a MODIFY note VARCHAR(40)",
        },
    ),
    (
        "make a column NOT NULL",
        {
            "postgresql": "ALTER TABLE a ALTER COLUMN note SET NOT NULL",
            "mariadb": "ALTER TABLE a MODIFY note VARCHAR(40) NOT NULL",
        },
    ),
    (
        "give a column a default",
        {
            "postgresql": "ALTER TABLE a ALTER COLUMN note SET DEFAULT 'x'",
            "mariadb": "ALTER TABLE a ALTER COLUMN note SET DEFAULT 'x'",
        },
    ),
    (
        "change the default",
        {
            "postgresql": "ALTER TABLE a ALTER COLUMN note SET DEFAULT 'y'",
            "mariadb": "ALTER TABLE a ALTER COLUMN note SET DEFAULT 'y'",
        },
    ),
    ("add an index", "CREATE INDEX ix_a_note ON a (note)"),
    (
        "rename the index",
        {
            "postgresql": "ALTER INDEX ix_a_note RENAME TO ix_a_note2",
            "mariadb": "ALTER TABLE a RENAME INDEX ix_a_note TO ix_a_note2",
        },
    ),
    ("add a unique constraint", "ALTER TABLE a ADD CONSTRAINT uq_a_id_note UNIQUE (id, note)"),
    ("add a check constraint", "ALTER TABLE a ADD CONSTRAINT ck_a_id CHECK (id > 0)"),
    (
        "add a foreign key",
        "ALTER TABLE a ADD CONSTRAINT fk_a_b FOREIGN KEY (b_id) REFERENCES b (id)",
    ),
    (
        "comment on a column",
        {
            "postgresql": "COMMENT ON COLUMN a.note IS 'a note'",
            "mariadb": "ALTER TABLE a MODIFY note VARCHAR(40) NOT NULL DEFAULT 'y' "
            "COMMENT 'a note'",
        },
    ),
    (
        "rename a column",
        {
            "postgresql": "ALTER TABLE a RENAME COLUMN note TO remark",
            "mariadb": "ALTER TABLE a RENAME COLUMN note TO remark",
        },
    ),
    (
        "drop the unique constraint",
        {
            "postgresql": "ALTER TABLE a DROP CONSTRAINT uq_a_id_note",
            "mariadb": "ALTER TABLE a DROP INDEX uq_a_id_note",
        },
    ),
    ("drop a column", "ALTER TABLE a DROP COLUMN remark"),
]


@pytest.mark.parametrize("database", ["postgresql", "mariadb"], indirect=True)
def test_every_change_to_a_table_changes_its_fingerprint_alone(database):
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE b (id INTEGER PRIMARY KEY)"))
        conn.execute(text("CREATE TABLE a (id INTEGER PRIMARY KEY, b_id INTEGER)"))
    with database.engine.connect() as conn:
        before = table_fingerprints(conn, ["a", "b"])
    assert before is not None

    for what, sql in CHANGES:
        statement = sql if isinstance(sql, str) else sql[database.dialect]
        with database.engine.begin() as conn:
            conn.execute(text(statement))
        with database.engine.connect() as conn:
            after = table_fingerprints(conn, ["a", "b"])
        assert after is not None
        assert after["a"] != before["a"], what
        if "foreign key" not in what:  # PostgreSQL adds triggers to the table referred to
            assert after["b"] == before["b"], what
        before = after


#: Per database, objects of each kind the one-query listing must find as the inspector does:
#: a table, and where the database has them a partitioned or system-versioned table, a
#: sequence of its own and a column's, a view, an enum type.
OBJECTS = {
    "sqlite": [
        "CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT, m VARCHAR(5))",
        "CREATE VIEW v AS SELECT id FROM a",
    ],
    "postgresql": [
        "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
        "CREATE TABLE a (id SERIAL PRIMARY KEY, m mood, n INTEGER GENERATED ALWAYS AS IDENTITY)",
        "CREATE TABLE p (id INTEGER) PARTITION BY RANGE (id)",
        "CREATE SEQUENCE standalone_seq",
        "CREATE VIEW v AS SELECT id FROM a",
    ],
    "mariadb": [
        "CREATE TABLE a (id INTEGER AUTO_INCREMENT PRIMARY KEY, m ENUM('sad', 'ok', 'happy'))",
        "CREATE TABLE p (id INTEGER) WITH SYSTEM VERSIONING",
        "CREATE SEQUENCE standalone_seq",
        "CREATE VIEW v AS SELECT id FROM a",
    ],
}
SCHEMA_OBJECTS = {
    "sqlite": {(None, "view", "v")},
    "postgresql": {
        (None, "enum type", "mood"),
        (None, "sequence", "standalone_seq"),
        (None, "view", "v"),
    },
    "mariadb": {(None, "sequence", "standalone_seq"), (None, "view", "v")},
}


def test_the_one_query_listing_finds_what_the_inspector_finds(database, monkeypatch):
    from flask_herogold_migrate.core.testing import snapshot

    with database.engine.begin() as conn:
        for statement in OBJECTS[database.dialect]:
            conn.execute(text(statement))
    with database.engine.connect() as conn:
        listed = snapshot.take_snapshot(conn).objects
        monkeypatch.setattr(snapshot, "schema_objects", lambda conn: None)
        inspected = snapshot.take_snapshot(conn).objects

    # The one query describes a view by its definition; the fallback, by its name alone.
    views = [key for key in listed if key[1] == "view"]
    assert views
    assert all("SELECT" in listed[key].upper() for key in views)
    assert {key: "" if key in views else value for key, value in listed.items()} == inspected
    assert {key for key in listed if key[0] is None} == SCHEMA_OBJECTS[database.dialect]
    # SQLite's own sqlite_sequence (AUTOINCREMENT) is no table of the schema's.
    tables = {"a"} if database.dialect == "sqlite" else {"a", "p"}
    assert {key[2] for key in listed if key[1] == "table"} == tables


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_a_table_whose_lines_were_cut_has_no_fingerprint_and_is_reflected(database):
    # GROUP_CONCAT stops at group_concat_max_len (1,024 bytes by default on MySQL): a text cut
    # there could stay the same when the table changes.
    from flask_herogold_migrate.core.testing.snapshot import differences, take_snapshot

    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE a (id INTEGER PRIMARY KEY, note VARCHAR(20))"))
    with database.engine.connect() as conn:
        conn.execute(text("SET SESSION group_concat_max_len = 4"))
        before = take_snapshot(conn)
        conn.execute(text("ALTER TABLE a MODIFY note VARCHAR(40)"))
        after = take_snapshot(conn, previous=before)

    assert before.fingerprints == {} and after.fingerprints == {}
    assert [(d.named, d.before, d.after) for d in differences(before, after)] == [
        ("column a.note", "VARCHAR(20)", "VARCHAR(40)")
    ]
