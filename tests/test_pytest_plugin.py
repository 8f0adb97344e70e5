"""The pytest plugin, as a project uses it (through ``pytester``): the ``migrator`` fixture for
data-migration tests, ``migration_checks()`` turning the checks into tests, settings from ini
options or the pytest-flask ``app`` fixture; on SQLite, PostgreSQL and MariaDB. And it costs
nothing to a project that does not use it."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import alembic.autogenerate
import alembic.operations
import alembic.runtime.migration
import flask_sqlalchemy
import pytest
import sqlalchemy.dialects.mysql
import sqlalchemy.dialects.postgresql
import sqlmodel
from sqlalchemy import create_engine, make_url, text

# pytester's in-process runs forget, afterwards, the modules imported during them; imported
# again, SQLAlchemy's dialects register their SQL functions twice, and warn. Imported here
# first, they are kept.
_KEPT = (alembic, flask_sqlalchemy, sqlalchemy.dialects, sqlmodel)

CREATE_NOTES = """
import sqlalchemy as sa
from flask_herogold_migrate import Migration, schema


class CreateNotes(Migration):
    def up(self, session):
        schema(session).create_table(
            "notes",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("title", sa.String(100), nullable=False),
        )

    def down(self, session):
        schema(session).drop_table("notes")
"""
# A data migration: the slug is made from the title of the rows already there.
ADD_SLUG = """
import sqlalchemy as sa
from sqlalchemy import text
from flask_herogold_migrate import Migration, schema


class AddSlug(Migration):
    def up(self, session):
        schema(session).add_column("notes", sa.Column("slug", sa.String(100)))
        session.exec(text("UPDATE notes SET slug = LOWER(REPLACE(title, ' ', '-'))"))

    def down(self, session):
        with schema(session).batch_alter_table("notes") as batch:
            batch.drop_column("slug")
"""
FORGETS_INDEX = """
from flask_herogold_migrate import Migration, schema


class IndexTitle(Migration):
    def up(self, session):
        schema(session).create_index("ix_notes_title", "notes", ["title"])

    def down(self, session):
        pass
"""


def write_migrations(pytester: pytest.Pytester, directory: str, files: dict[str, str]) -> None:
    for stem, source in files.items():
        path = pytester.path / directory / f"{stem}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))


def databases_on(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                return set(conn.execute(text("SELECT datname FROM pg_database")).scalars())
            return set(conn.execute(text("SHOW DATABASES")).scalars())
    finally:
        engine.dispose()


def gone(url: str, name: str) -> bool:
    """Whether the throwaway database ``name`` made beside ``url`` no longer exists."""
    if make_url(url).get_backend_name() == "sqlite":
        return not Path(name).parent.exists()
    return name not in databases_on(url)


def test_migrator_drives_a_data_migration(pytester, database_server):
    write_migrations(
        pytester,
        "migrations",
        {"20260101_create_notes_table": CREATE_NOTES, "20260102_add_slug_to_notes": ADD_SLUG},
    )
    pytester.makeconftest(
        f"""
        import pytest

        @pytest.fixture
        def herogold_database_url():
            return {database_server!r}
        """
    )
    pytester.makepyfile(
        """
        from pathlib import Path
        from sqlalchemy import select, text

        def test_existing_titles_get_a_slug(migrator):
            Path("throwaway").write_text(migrator.database.name)
            assert migrator.up_to("create_notes_table") == ["20260101_create_notes_table"]
            notes = migrator.table("notes")
            migrator.connection.execute(notes.insert().values(title="Hello World"))
            migrator.session.execute(text("INSERT INTO notes (title) VALUES ('Two Words')"))

            assert migrator.up_one() == "20260102_add_slug_to_notes"

            notes = migrator.table("notes")
            slugs = migrator.connection.execute(select(notes.c.slug).order_by(notes.c.id))
            assert slugs.scalars().all() == ["hello-world", "two-words"]
            assert migrator.applied == migrator.names and migrator.pending == []

            assert migrator.down_one() == "20260102_add_slug_to_notes"
            assert "slug" not in migrator.table("notes").c
            assert migrator.pending == ["20260102_add_slug_to_notes"]
        """
    )

    result = pytester.runpytest()

    result.assert_outcomes(passed=1)
    assert gone(database_server, (pytester.path / "throwaway").read_text())


def test_migration_checks_are_one_test_per_check_and_migration(pytester, database_server):
    write_migrations(
        pytester,
        "db/migrations",
        {"20260101_create_notes_table": CREATE_NOTES, "20260201_index_title": FORGETS_INDEX},
    )
    pytester.makeini(
        f"""
        [pytest]
        herogold_migrations_dir = db/migrations
        herogold_database_url = {database_server}
        """
    )
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def herogold_model_metadata():
            return []  # SQLModel.metadata, the default, holds the models of this whole suite
        """
    )
    pytester.makepyfile(
        test_checked_migrations="""
        from flask_herogold_migrate.pytest_plugin import migration_checks

        test_migrations = migration_checks()
        """
    )

    result = pytester.runpytest("-v", "-rs")

    result.assert_outcomes(passed=5, failed=1, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "*test_migrations[[]files-20260101_create_notes_table[]] PASSED*",
            "*test_migrations[[]from_empty-20260201_index_title[]] PASSED*",
            "*test_migrations[[]round_trip-20260201_index_title[]] FAILED*",
            "*test_migrations[[]models_match[]] SKIPPED*",
            "*20260201_index_title: down() left index ix_notes_title",
            "SKIPPED * no models found",
        ]
    )


def test_settings_and_models_come_from_the_flask_app_fixture(pytester, database_server):
    write_migrations(pytester, "app/db", {"20260101_create_notes_table": CREATE_NOTES})
    pytester.makeconftest(
        f"""
        from pathlib import Path

        import pytest
        from flask import Flask
        from flask_sqlalchemy import SQLAlchemy
        from flask_herogold_migrate import HerogoldMigrate

        db = SQLAlchemy()

        class Note(db.Model):
            __tablename__ = "notes"
            id = db.Column(db.Integer, primary_key=True)
            title = db.Column(db.String(100), nullable=False)
            pinned = db.Column(db.Boolean)  # no migration adds it

        @pytest.fixture
        def app():
            app = Flask("notes", root_path=str(Path(__file__).parent / "app"))
            app.config.update(
                SQLALCHEMY_DATABASE_URI={database_server!r},
                HEROGOLD_MIGRATE_DIR="db",
                HEROGOLD_MIGRATE_TABLE="schema_history",
                HEROGOLD_MIGRATE_METADATA=db.metadata,
            )
            db.init_app(app)
            HerogoldMigrate(app, db)

            @app.get("/")
            def index():
                return {{"ok": True}}

            yield app
            with app.app_context():
                db.engine.dispose()
        """
    )
    pytester.makepyfile(
        test_notes="""
        from sqlalchemy import inspect
        from flask_herogold_migrate.pytest_plugin import migration_checks

        test_migrations = migration_checks("app/db")

        def test_migrator_uses_the_apps_settings(migrator, client):
            assert client.get("/").json == {"ok": True}  # pytest-flask, beside the plugin
            assert migrator.manager.migrations_dir.parts[-2:] == ("app", "db")
            migrator.up_one()
            tables = inspect(migrator.engine).get_table_names()
            assert {"notes", "schema_history"} <= set(tables)
        """
    )

    result = pytester.runpytest("-v")

    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_migrations[[]models_match[]] FAILED*",
            "*the models differ from the schema the migrations make: + column notes.pinned*",
        ]
    )


def test_a_missing_migrations_directory_is_one_message(pytester):
    pytester.makepyfile(
        """
        from flask_herogold_migrate.pytest_plugin import migration_checks

        test_migrations = migration_checks("nowhere")
        """
    )

    result = pytester.runpytest()

    assert result.ret == pytest.ExitCode.INTERRUPTED  # a collection error
    result.stdout.fnmatch_lines(["*The migrations directory */nowhere does not exist.*"])
    result.stdout.no_fnmatch_line("*Traceback*")


def test_a_server_that_cannot_be_reached_fails_each_check_with_one_message(pytester):
    write_migrations(pytester, "migrations", {"20260101_create_notes_table": CREATE_NOTES})
    pytester.makeini(
        """
        [pytest]
        herogold_database_url = postgresql+psycopg://someone:s3cret@127.0.0.1:1/app
        """
    )
    pytester.makepyfile(
        test_checked_migrations="""
        from flask_herogold_migrate.pytest_plugin import migration_checks

        test_migrations = migration_checks()
        """
    )

    result = pytester.runpytest()

    result.assert_outcomes(errors=4)
    result.stdout.fnmatch_lines(
        ["*Cannot connect to postgresql+psycopg://someone:***@127.0.0.1:1 to make a throwaway*"]
    )
    result.stdout.no_fnmatch_line("*s3cret*")
    result.stdout.no_fnmatch_line("*ThrowawayDatabaseError*")  # a message, not a traceback


def test_no_throwaway_database_is_left_when_pytest_is_interrupted(pytester, database_server):
    write_migrations(pytester, "migrations", {"20260101_create_notes_table": CREATE_NOTES})
    pytester.makeconftest(
        f"""
        import pytest

        @pytest.fixture
        def herogold_database_url():
            return {database_server!r}
        """
    )
    pytester.makepyfile(
        """
        import time
        from pathlib import Path

        def test_waits(migrator):
            migrator.up_one()
            Path("throwaway").write_text(migrator.database.name)
            time.sleep(60)
        """
    )
    marker = pytester.path / "throwaway"

    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"],
        cwd=pytester.path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not (marker.exists() and marker.read_text()):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the test never started"
            time.sleep(0.05)
        name = marker.read_text()
        assert not gone(database_server, name)

        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()

    assert process.returncode == pytest.ExitCode.INTERRUPTED, out
    assert gone(database_server, name)


def test_a_project_that_does_not_use_it_loads_nothing_of_it(pytester):
    pytester.makeconftest(
        """
        import sys

        def pytest_collection_finish(session):
            assert session.config.pluginmanager.hasplugin("herogold_migrate")
            loaded = [m for m in ("sqlalchemy", "flask_herogold_migrate.core") if m in sys.modules]
            print("loaded:", loaded)
        """
    )
    pytester.makepyfile("def test_nothing(): pass")

    result = pytester.runpytest_subprocess("-s", "-p", "no:cacheprovider")

    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["loaded: []"])
