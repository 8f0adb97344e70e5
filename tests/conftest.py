"""Fixtures shared by the whole suite.

``database`` is parametrised over SQLite, PostgreSQL and MariaDB: every test that uses it runs
three times, against a database created for that test alone and dropped afterwards. A server
that cannot be reached skips its tests on a developer's machine and fails them in CI
(``CI=true``), so CI never passes with a database untested.
"""

from __future__ import annotations

import os
import textwrap
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import create_engine, inspect, make_url, text
from sqlalchemy.engine import Engine

from flask_herogold_migrate import HerogoldMigrate, MigrationManager
from flask_herogold_migrate.__main__ import main as standalone_main

# pytester: the pytest plugin is tested as a project uses it (tests/test_pytest_plugin.py).
pytest_plugins = ["pytester"]

POSTGRES_ADMIN_URL = os.environ.get(
    "HEROGOLD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
MARIADB_ADMIN_URL = os.environ.get(
    "HEROGOLD_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test"
)
DIALECTS = ["sqlite", "postgresql", "mariadb"]
_unreachable: dict[str, str] = {}


@dataclass
class TestDatabase:
    """A database made for one test."""

    __test__ = False

    dialect: str
    url: str
    engine: Engine

    def table_names(self) -> set[str]:
        return set(inspect(self.engine).get_table_names())

    def rows(self, table: str = "migrations") -> list[dict]:
        with self.engine.connect() as conn:
            result = conn.execute(text(f"SELECT * FROM {table}"))
            return [dict(row._mapping) for row in result]

    def migration_rows(self, table: str = "migrations") -> dict[str, dict]:
        return {row["name"]: row for row in self.rows(table)}

    def scalar(self, sql: str):
        with self.engine.connect() as conn:
            return conn.execute(text(sql)).scalar()


def _in_ci() -> bool:
    # CI services set CI=true (or 1); an explicit CI=false or 0 is a developer's machine.
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no", "off")


def _server_or_skip(dialect: str, admin_url: str) -> Engine:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    if dialect not in _unreachable:
        try:
            with admin.connect():
                pass
        except Exception as error:  # any failure to reach the server
            _unreachable[dialect] = str(error).splitlines()[0]
    if dialect in _unreachable:
        message = f"{dialect} server unreachable: {_unreachable[dialect]}"
        if _in_ci():
            pytest.fail(message + " (CI must test every database)")
        pytest.skip(message)
    return admin


@pytest.fixture(scope="session")
def admin_engines() -> Iterator[dict[str, Engine]]:
    engines: dict[str, Engine] = {}
    yield engines
    for engine in engines.values():
        engine.dispose()


@pytest.fixture(params=DIALECTS)
def database(request, tmp_path: Path, admin_engines: dict[str, Engine]) -> Iterator[TestDatabase]:
    dialect = request.param
    if dialect == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
        engine = create_engine(url)
        yield TestDatabase(dialect, url, engine)
        engine.dispose()
        return
    admin_url = POSTGRES_ADMIN_URL if dialect == "postgresql" else MARIADB_ADMIN_URL
    if dialect not in admin_engines:
        admin_engines[dialect] = _server_or_skip(dialect, admin_url)
    admin = admin_engines[dialect]
    name = f"hgm_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    try:
        yield TestDatabase(dialect, url, engine)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            force = " WITH (FORCE)" if dialect == "postgresql" else ""
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}{force}"))


@pytest.fixture(params=DIALECTS)
def database_server(request, tmp_path: Path, admin_engines: dict[str, Engine]) -> str:
    """The URL of a database on each server, for code that makes databases of its own beside
    it (the migration checks' throwaway databases). Nothing is created; the database named
    must never be changed."""
    dialect = request.param
    if dialect == "sqlite":
        return f"sqlite:///{tmp_path / 'app.db'}"
    admin_url = POSTGRES_ADMIN_URL if dialect == "postgresql" else MARIADB_ADMIN_URL
    if dialect not in admin_engines:
        admin_engines[dialect] = _server_or_skip(dialect, admin_url)
    return admin_url


@pytest.fixture
def migrations_dir(tmp_path: Path) -> Path:
    path = tmp_path / "migrations"
    path.mkdir()
    return path


@pytest.fixture
def manager(database: TestDatabase, migrations_dir: Path) -> MigrationManager:
    return MigrationManager(migrations_dir, engine=database.engine)


@pytest.fixture
def cli(database: TestDatabase, migrations_dir: Path) -> Callable[..., object]:
    """The standalone command on the test database and directory, through Click's runner."""

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None):
        return CliRunner().invoke(
            standalone_main,
            [*args, "--dir", str(migrations_dir), "--database-url", database.url],
            input=input,
            env=env,
        )

    return run


MigrationWriter = Callable[..., Path]


@pytest.fixture
def write_migration(migrations_dir: Path) -> MigrationWriter:
    """Write a migration file whose up() and down() run the given SQL statements."""

    def write(
        stem: str,
        up: list[str] | str = (),
        down: list[str] | str = (),
        *,
        body: str | None = None,
        directory: Path | None = None,
        transactional: bool = True,
    ) -> Path:
        ups = [up] if isinstance(up, str) else list(up)
        downs = [down] if isinstance(down, str) else list(down)
        if body is None:
            up_lines = (
                "".join(f"        session.exec(text({s!r}))\n" for s in ups) or "        pass\n"
            )
            down_lines = (
                "".join(f"        session.exec(text({s!r}))\n" for s in downs) or "        pass\n"
            )
            body = (
                "from sqlalchemy import text\n"
                "from flask_herogold_migrate import Migration\n\n\n"
                "class Step(Migration):\n"
                + ("" if transactional else "    transactional = False\n\n")
                + "    def up(self, session):\n"
                + up_lines
                + "\n"
                "    def down(self, session):\n" + down_lines
            )
        path = (directory or migrations_dir) / f"{stem}.py"
        path.write_text(textwrap.dedent(body))
        return path

    return write


@pytest.fixture
def create_table_migration(write_migration: MigrationWriter) -> Callable[[str, str], Path]:
    """A migration that creates table ``table`` and drops it on the way down."""

    def write(stem: str, table: str) -> Path:
        return write_migration(
            stem,
            f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, label VARCHAR(50))",
            f"DROP TABLE {table}",
        )

    return write


@pytest.fixture
def app(database: TestDatabase, migrations_dir: Path, tmp_path: Path) -> Iterator[Flask]:
    """A Flask app of the documented kind: Flask-SQLAlchemy plus the extension."""
    flask_app = Flask("testapp", root_path=str(tmp_path), instance_path=str(tmp_path / "instance"))
    flask_app.config.update(
        SQLALCHEMY_DATABASE_URI=database.url,
        HEROGOLD_MIGRATE_DIR="migrations",
        TESTING=True,
    )
    db = SQLAlchemy()
    db.init_app(flask_app)
    HerogoldMigrate(flask_app, db)
    yield flask_app
    with flask_app.app_context():
        db.engine.dispose()
