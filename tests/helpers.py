"""What several test files share that is not a fixture: the source of migrations they write,
and a snapshot of a database."""

from sqlalchemy import inspect

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
