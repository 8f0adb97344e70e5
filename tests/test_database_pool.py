"""The suite's pool of PostgreSQL databases (tests/database_pool.py): a database given back is
lent again only as empty as a new one, else a new database takes its place."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text

from tests.conftest import POSTGRES_ADMIN_URL

LEFTOVERS = [
    "CREATE TYPE mood AS ENUM ('happy', 'sad')",
    "CREATE TABLE notes (id SERIAL PRIMARY KEY, feeling mood)",
    "CREATE SEQUENCE numbers",
    "CREATE VIEW recent AS SELECT id FROM notes",
    "CREATE FUNCTION one() RETURNS integer AS 'SELECT 1' LANGUAGE sql",
    "CREATE SCHEMA tenant_a",
    "CREATE TABLE tenant_a.migrations (id INTEGER)",
    "CREATE DOMAIN positive AS integer CHECK (VALUE > 0)",
    "COMMENT ON SCHEMA public IS 'changed'",
]


def test_a_database_given_back_is_lent_again_as_new(database_pools):
    pool = database_pools["postgresql"]
    name = pool.take()
    engine = create_engine(pool.url(name))
    with engine.begin() as conn:
        for statement in LEFTOVERS:
            conn.execute(text(statement))
    # A session the test left open, holding a lock and a temporary table.
    left_open = engine.connect()
    left_open.execute(text("SELECT pg_advisory_lock(42)"))
    left_open.execute(text("CREATE TEMPORARY TABLE scratch (id INTEGER)"))
    left_open.commit()

    pool.give_back(name)
    again = pool.take()

    try:
        assert again == name  # emptied, not made anew
        checked = create_engine(pool.url(again))
        with checked.connect() as conn:
            schemas = set(inspect(conn).get_schema_names()) - {"information_schema"}
            assert schemas == {"public"}
            assert inspect(conn).get_table_names() == []
            assert inspect(conn).get_view_names() == []
            assert (
                conn.execute(text("SELECT count(*) FROM pg_type WHERE oid >= 16384")).scalar() == 0
            )
            assert (
                conn.execute(text("SELECT count(*) FROM pg_proc WHERE oid >= 16384")).scalar() == 0
            )
            locks = "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
            locks += "WHERE l.locktype = 'advisory' AND d.datname = current_database()"
            assert conn.execute(text(locks)).scalar() == 0
            assert (
                conn.execute(
                    text("SELECT obj_description('public'::regnamespace, 'pg_namespace')")
                ).scalar()
                == "standard public schema"
            )
            conn.execute(text("CREATE TABLE notes (id INTEGER)"))  # the name is free again
        checked.dispose()
    finally:
        left_open.close()  # the pool ended its session: closing it only lets it go
        engine.dispose()
        pool.give_back(again)


def test_a_database_the_reset_cannot_empty_is_replaced(database_pools):
    pool = database_pools["postgresql"]
    name = pool.take()
    engine = create_engine(pool.url(name), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"ALTER DATABASE {name} SET work_mem = '8MB'"))
    engine.dispose()

    pool.give_back(name)
    again = pool.take()
    pool.give_back(again)

    assert again != name
    admin = create_engine(POSTGRES_ADMIN_URL)
    with admin.connect() as conn:
        gone = text("SELECT count(*) FROM pg_database WHERE datname = :name")
        assert conn.execute(gone, {"name": name}).scalar() == 0
    admin.dispose()
