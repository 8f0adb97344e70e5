"""What several test files share that is not a fixture: the source of migrations they write,
a snapshot of a database, the schema and rows of a database as reflection sees them, the
example app's models, and an engine set up with SQLAlchemy's pysqlite transaction recipe."""

import functools
from pathlib import Path

from sqlalchemy import Engine, MetaData, String, create_engine, event, inspect
from sqlalchemy.types import TypeDecorator

NON_TRANSACTIONAL = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class IndexConcurrently(Migration):
    transactional = False

    def up(self, session):
        session.exec(text("CREATE TABLE big (id INTEGER PRIMARY KEY, email VARCHAR(100))"))
        # PostgreSQL refuses CONCURRENTLY inside a transaction block: the reason to opt out.
        concurrently = "CONCURRENTLY " if session.get_bind().dialect.name == "postgresql" else ""
        session.exec(text("CREATE INDEX " + concurrently + "ix_big_email ON big (email)"))
        FAIL

    def down(self, session):
        session.exec(text("DROP TABLE big"))
"""


def snapshot(database) -> dict:
    """Every table with its columns, indexes and row count, and the tracking table's rows: to
    compare a database before and after a command that must change nothing."""
    inspector = inspect(database.engine)
    tables = {
        name: {
            "columns": [(c["name"], str(c["type"])) for c in inspector.get_columns(name)],
            "indexes": sorted(str(i["name"]) for i in inspector.get_indexes(name)),
            "rows": database.scalar(f"SELECT count(*) FROM {name}"),
        }
        for name in sorted(inspector.get_table_names())
    }
    tracking = database.rows() if "migrations" in tables else None
    return {"tables": tables, "tracking": tracking}


def reflected(engine) -> dict:
    """Every table but the tracking table (and its digest) as reflection sees it, with its rows:
    compares with ==."""
    from sqlalchemy import inspect, text

    inspector = inspect(engine)
    state: dict = {}
    with engine.connect() as conn:
        for table in sorted(set(inspector.get_table_names()) - {"migrations", "migrations_digest"}):
            rows = conn.execute(text(f"SELECT * FROM {table}")).all()
            state[table] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)
                ],
                "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
                "foreign_keys": sorted(
                    (fk["name"] or "", tuple(fk["constrained_columns"]), fk["referred_table"])
                    for fk in inspector.get_foreign_keys(table)
                ),
                "indexes": sorted(
                    (i["name"] or "", tuple(i["column_names"]), bool(i["unique"]))
                    for i in inspector.get_indexes(table)
                ),
                "unique": sorted(
                    (u["name"] or "", tuple(u["column_names"]))
                    for u in inspector.get_unique_constraints(table)
                ),
                "checks": sorted(
                    (c["name"] or "", "".join(c["sqltext"].split()))
                    for c in inspector.get_check_constraints(table)
                ),
                "rows": sorted(tuple(map(str, row)) for row in rows),
            }
    return state


@functools.cache
def example_models() -> MetaData:
    """The example app's models alone (other test modules declare SQLModel tables too), for
    HEROGOLD_MIGRATE_METADATA. One object for the session, so the pytest plugin runs the
    migration checks once per server."""
    from sqlmodel import SQLModel

    import example_app.models  # noqa: F401  (declares the tables)

    models = MetaData()
    for table in SQLModel.metadata.sorted_tables:
        if table.name in ("users", "roles"):
            table.to_metadata(models)
    return models


class Slug(TypeDecorator):
    """A type of the app's own, as a model may use: a migration must import its module."""

    impl = String
    cache_ok = True


def run_flask(monkeypatch, create_app, *args: str):
    """``flask ARGS`` in this process, the app built by ``create_app`` as the flask command
    builds it: while it resolves the command (the extension reads the command line then)."""
    import sys

    from click.testing import CliRunner
    from flask.cli import FlaskGroup

    monkeypatch.setattr(sys, "argv", ["flask", *args])
    group = FlaskGroup(create_app=create_app, load_dotenv=False, set_debug_flag=False)
    return CliRunner().invoke(group, list(args))


def sqlite_recipe_engine(path: Path) -> Engine:
    """The pysqlite recipe of SQLAlchemy's docs: the driver's own BEGIN off, one from an event."""
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def no_driver_begin(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def own_begin(conn):
        conn.exec_driver_sql("BEGIN")

    return engine
