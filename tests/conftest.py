"""Fixtures shared by the whole suite.

``database`` is parametrised over SQLite, PostgreSQL and MariaDB: every test that uses it runs
three times, against an empty database that no other test holds meanwhile (a server's databases
are lent from a pool, tests/database_pool.py, and emptied between tests). A test that exercises
no database behaviour (names, templates, settings, messages) is marked ``sqlite_only`` and runs
on SQLite alone. A server that cannot be reached skips its tests on a developer's machine and
fails them in CI (``CI=true``), so CI never passes with a database untested.

``make_app(**config)`` builds a Flask app on the test database, the way the docs show one.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine

from flask_herogold_migrate import HerogoldMigrate, MigrationManager
from flask_herogold_migrate.__main__ import main as standalone_main
from tests.database_pool import DatabasePool

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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sqlite_only: the test exercises no database behaviour; its database (and "
        "database_server) is SQLite alone",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # A parametrize mark of the test's own takes the place of the fixture's params; added
    # first, so that pytest's own hooks see it.
    if metafunc.definition.get_closest_marker("sqlite_only") is None:
        return
    own = {
        name.strip()
        for mark in metafunc.definition.iter_markers("parametrize")
        for name in (mark.args[0].split(",") if isinstance(mark.args[0], str) else mark.args[0])
    }
    for fixture in ("database", "database_server"):
        if fixture in metafunc.fixturenames and fixture not in own:
            metafunc.definition.add_marker(
                pytest.mark.parametrize(fixture, ["sqlite"], indirect=True)
            )


@pytest.fixture(scope="session")
def admin_engines() -> Iterator[dict[str, Engine]]:
    engines: dict[str, Engine] = {}
    yield engines
    for engine in engines.values():
        engine.dispose()


@pytest.fixture(scope="session")
def database_pools(admin_engines: dict[str, Engine]) -> Iterator[DatabasePools]:
    pools = DatabasePools(admin_engines)
    yield pools
    pools.close()


class DatabasePools:
    """One :class:`DatabasePool` per server, made when a test first needs that server."""

    def __init__(self, admin_engines: dict[str, Engine]) -> None:
        self._admins = admin_engines
        self._pools: dict[str, DatabasePool] = {}

    def __getitem__(self, dialect: str) -> DatabasePool:
        if dialect not in self._pools:
            admin_url = POSTGRES_ADMIN_URL if dialect == "postgresql" else MARIADB_ADMIN_URL
            if dialect not in self._admins:
                self._admins[dialect] = _server_or_skip(dialect, admin_url)
            self._pools[dialect] = DatabasePool(dialect, admin_url, self._admins[dialect])
        return self._pools[dialect]

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()


@pytest.fixture(params=DIALECTS)
def database(request, tmp_path: Path, database_pools: DatabasePools) -> Iterator[TestDatabase]:
    dialect = request.param
    if dialect == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
        engine = create_engine(url)
        yield TestDatabase(dialect, url, engine)
        engine.dispose()
        return
    pool = database_pools[dialect]
    name = pool.take()
    url = pool.url(name)
    engine = create_engine(url)
    try:
        yield TestDatabase(dialect, url, engine)
    finally:
        engine.dispose()
        pool.give_back(name)


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


class AppMaker:
    """Builds Flask apps the way the docs show one, rooted in ``root`` (so that their
    migrations directory is ``root / "migrations"``) on the database at ``url``, and disposes
    of their engines at ``close()``."""

    def __init__(self, root: Path, url: str) -> None:
        self.root = root
        self.url = url
        self._made: list[tuple[Flask, SQLAlchemy]] = []

    def __call__(
        self, *, name: str = "testapp", sqlalchemy: bool = True, extension: bool = True, **config
    ) -> Flask:
        """A new app with ``config`` over the database's URL. ``sqlalchemy=False`` leaves
        Flask-SQLAlchemy out (the extension then reads the URL itself); ``extension=False``
        leaves the extension out, for a test that adds it. An error the extension raises (an
        auto-run refused, say) reaches the caller."""
        root = str(self.root)
        flask_app = Flask(name, root_path=root, instance_path=str(self.root / "instance"))
        flask_app.config.update({"SQLALCHEMY_DATABASE_URI": self.url, **config})
        db = None
        if sqlalchemy:
            db = SQLAlchemy()
            db.init_app(flask_app)
            self._made.append((flask_app, db))
        if extension:
            HerogoldMigrate(flask_app, db)
        return flask_app

    def close(self) -> None:
        for flask_app, db in self._made:
            with flask_app.app_context():
                for engine in db.engines.values():
                    engine.dispose()


@pytest.fixture
def make_app(database: TestDatabase, tmp_path: Path) -> Iterator[AppMaker]:
    """``make_app(**config)``: a new Flask app in tmp_path on the test database, with a
    Flask-SQLAlchemy ``db`` and the extension (see :class:`AppMaker`)."""
    maker = AppMaker(tmp_path, database.url)
    yield maker
    maker.close()


@pytest.fixture
def app(make_app: AppMaker, migrations_dir: Path) -> Flask:
    """A Flask app of the documented kind: Flask-SQLAlchemy plus the extension."""
    return make_app(HEROGOLD_MIGRATE_DIR="migrations", TESTING=True)


@pytest.fixture
def sqlmodel_metadata_of_this_test() -> Iterator[None]:
    """SQLModel's global ``MetaData`` holding only the tables this test defines.

    The models found by default include ``SQLModel.metadata``, which is one for the whole
    process: the example app's models, imported by its tests, would be compared too.
    """
    from sqlmodel import SQLModel

    metadata = SQLModel.metadata
    kept = list(metadata.tables.values())
    for table in kept:
        metadata.remove(table)
    try:
        yield
    finally:
        for table in list(metadata.tables.values()):
            metadata.remove(table)
        for table in kept:
            metadata._add_table(table.name, table.schema, table)
