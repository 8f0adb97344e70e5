"""What several test files share that is not a fixture: the source of migrations they write."""

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
