"""The pytest plugin: migrations tested as ordinary pytest tests, on throwaway databases.

pytest loads it through the ``pytest11`` entry point in every project that has this package
installed (``-p no:herogold_migrate`` turns it off). It costs nothing there until a test asks
for one of its fixtures: it imports only pytest and the standard library at load, and has no
autouse fixture.

* ``migrator``: the migrations driven one at a time on a throwaway database
  (:class:`~flask_herogold_migrate.core.testing.migrator.Migrator`), for data-migration tests.
* :func:`migration_checks`: the four checks of ``migrate:test`` as tests, one per check and
  migration: ``test_migrations = migration_checks()`` in a test module.

Where the migrations are and which server the throwaway databases go on come from fixtures a
project can override, with these defaults, first found first:

* ``herogold_app``: the ``app`` fixture (pytest-flask's convention), if it has
  HerogoldMigrate; else None;
* ``herogold_migrations_dir``: the ini option ``herogold_migrations_dir`` (relative to the
  rootdir), the app's ``HEROGOLD_MIGRATE_DIR``, ``migrations``;
* ``herogold_database_url``: the ini option ``herogold_database_url``, the app's database,
  ``$DATABASE_URL``, else SQLite;
* ``herogold_tracking_table``: the app's ``HEROGOLD_MIGRATE_TABLE``, ``migrations``;
* ``herogold_model_metadata``: the ini option ``herogold_models`` (``myapp.models:db``), the
  app's models, ``$HEROGOLD_MIGRATE_METADATA``, ``SQLModel.metadata``.

The databases named are never touched: each throwaway database is a new one beside them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy import MetaData
    from sqlalchemy.engine.url import URL

    from .core.testing.checks import CheckName, CheckReport
    from .core.testing.migrator import Migrator

_CHECKS_MARKER = "herogold_migration_checks"
_INI_DIR = "herogold_migrations_dir"
_INI_URL = "herogold_database_url"
_INI_MODELS = "herogold_models"
#: A throwaway SQLite file, when nothing names a database.
_SQLITE = "sqlite://"
#: The report of each run of the checks, or the error that stopped it.
_REPORTS = pytest.StashKey[dict[tuple[Any, ...], "CheckReport | str"]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        _INI_DIR,
        "Migrations directory, relative to the rootdir (default: the app fixture's, else "
        "migrations).",
        default="",
    )
    parser.addini(
        _INI_URL,
        "Database URL beside which throwaway databases are made, on the same server (default: "
        "the app fixture's, else $DATABASE_URL, else SQLite).",
        default="",
    )
    parser.addini(
        _INI_MODELS,
        "The models the checks compare with the schema, as module:attribute (default: the "
        "app fixture's, else SQLModel.metadata).",
        default="",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{_CHECKS_MARKER}(directory=None, with_rows=True): the migration checks of "
        "migration_checks(), one test per check and migration.",
    )


def migration_checks(
    migrations_dir: str | os.PathLike[str] | None = None, *, with_rows: bool = True
) -> Callable[..., None]:
    """A test function that runs the checks of ``migrate:test``, one test per check and
    migration::

        from flask_herogold_migrate.pytest_plugin import migration_checks

        test_migrations = migration_checks()

    ``migrations_dir`` is relative to the rootdir; left out, it is the ini option
    ``herogold_migrations_dir``, else ``migrations``. (The tests are listed when pytest
    collects, before any fixture exists, so the ``app`` fixture cannot name it.) The checks
    run once, on the first of these tests, for each server and models. ``with_rows``, as
    ``migrate:test --with-rows``, puts a generated row in each empty table before each step;
    ``with_rows=False`` leaves the tables empty.
    """

    @pytest.mark.herogold_migration_checks(directory=migrations_dir, with_rows=with_rows)
    def test_migrations(
        herogold_check: tuple[CheckName, str | None], herogold_check_report: CheckReport
    ) -> None:
        check, migration = herogold_check
        result = herogold_check_report.result(check, migration)
        if result is None:
            pytest.fail(f"{migration} was not checked: its file is gone.", pytrace=False)
        if result.outcome == "skipped":
            pytest.skip(result.problems[0] if result.problems else "not run")
        if result.failed:
            pytest.fail(result.describe(), pytrace=False)

    return test_migrations


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker(_CHECKS_MARKER)
    if marker is None or "herogold_check" not in metafunc.fixturenames:
        return
    from .core.errors import MigrationError
    from .core.testing.checks import planned_checks

    try:
        planned = planned_checks(_checks_directory(metafunc.config, marker))
    except MigrationError as error:  # no such directory: say so, without a traceback
        pytest.fail(str(error), pytrace=False)
    ids = [check if name is None else f"{check}-{name}" for check, name in planned]
    metafunc.parametrize("herogold_check", planned, ids=ids)


# -- the fixtures ------------------------------------------------------------------------


@pytest.fixture
def migrator(
    herogold_database_url: str | URL, herogold_migrations_dir: Path, herogold_tracking_table: str
) -> Iterator[Migrator]:
    """The migrations of ``herogold_migrations_dir``, none applied yet, on a throwaway
    database that is dropped after the test."""
    from .core.testing.migrator import Migrator
    from .core.testing.throwaway import throwaway_database

    with throwaway_database(herogold_database_url) as database:
        driver = Migrator(database, herogold_migrations_dir, tracking_table=herogold_tracking_table)
        try:
            yield driver
        finally:
            driver.close()


@pytest.fixture
def herogold_check_report(
    request: pytest.FixtureRequest,
    herogold_database_url: str | URL,
    herogold_tracking_table: str,
    herogold_model_metadata: list[MetaData],
) -> CheckReport:
    """The checks of ``migrate:test``, run once per directory, server, table and models."""
    from sqlalchemy import make_url

    from .core.errors import MigrationError
    from .core.testing.checks import run_checks

    marker = request.node.get_closest_marker(_CHECKS_MARKER)
    directory = (
        _checks_directory(request.config, marker)
        if marker is not None
        else request.getfixturevalue("herogold_migrations_dir")
    )
    url = make_url(herogold_database_url)
    # Every database of one server gives the same results: each run makes its own.
    server = "sqlite" if url.get_backend_name() == "sqlite" else url._replace(database=None)
    # MetaData compares by identity; kept in the key, none can be freed and its id reused.
    with_rows = bool(marker.kwargs.get("with_rows", True)) if marker is not None else True
    key = (
        str(directory),
        str(server),
        herogold_tracking_table,
        with_rows,
        *herogold_model_metadata,
    )
    reports = request.config.stash.setdefault(_REPORTS, {})
    if key not in reports:
        try:
            reports[key] = run_checks(
                url,
                directory,
                tracking_table=herogold_tracking_table,
                metadata=herogold_model_metadata,
                with_rows=with_rows,
            )
        except MigrationError as error:
            # Kept too: every other check would meet it again, after as long a wait.
            reports[key] = str(error)
    report = reports[key]
    if isinstance(report, str):
        pytest.fail(report, pytrace=False)
    return report


@pytest.fixture
def herogold_app(request: pytest.FixtureRequest) -> Flask | None:
    """The Flask app the other settings are read from: the ``app`` fixture (pytest-flask's
    convention) if the project has one and it has HerogoldMigrate, else None."""
    try:
        app = request.getfixturevalue("app")
    except pytest.FixtureLookupError:
        return None
    except pytest.fail.Exception as error:
        # The app fixture is parametrised and this test does not ask for it.
        pytest.fail(
            f"{error}\nThe migration fixtures read their settings from the app fixture, which "
            "cannot be made here on its own. Override the fixture herogold_app (returning an "
            "app, or None), or ask for app in the test.",
            pytrace=False,
        )
    extensions = getattr(app, "extensions", None)
    if not isinstance(extensions, dict) or "herogold_migrate" not in extensions:
        return None
    return app  # type: ignore[no-any-return]


@pytest.fixture
def herogold_migrations_dir(request: pytest.FixtureRequest, herogold_app: Flask | None) -> Path:
    """The migrations directory (see the module's documentation to change it)."""
    configured = request.config.getini(_INI_DIR)
    if configured:
        return Path(request.config.rootpath, configured)
    app = herogold_app
    if app is not None:
        from .extension import HerogoldMigrate

        return HerogoldMigrate.migrations_dir(app)
    return Path(request.config.rootpath, "migrations")


@pytest.fixture
def herogold_database_url(request: pytest.FixtureRequest, herogold_app: Flask | None) -> str | URL:
    """The database beside which throwaway databases are made, on its server."""
    configured = request.config.getini(_INI_URL)
    if configured:
        return str(configured)
    app = herogold_app
    if app is not None:
        from .extension import HerogoldMigrate

        return HerogoldMigrate.engine(app).url
    return os.environ.get("DATABASE_URL") or _SQLITE


@pytest.fixture
def herogold_tracking_table(herogold_app: Flask | None) -> str:
    """The tracking table's name."""
    if herogold_app is None:
        return "migrations"
    from .app.config import settings_of

    return settings_of(herogold_app).table


@pytest.fixture
def herogold_model_metadata(
    request: pytest.FixtureRequest, herogold_app: Flask | None
) -> list[MetaData]:
    """The models the models-match check compares with the schema."""
    from .core.models.found import find_model_metadata, resolve_model_metadata

    configured = request.config.getini(_INI_MODELS)
    if configured:
        return find_model_metadata(str(configured))
    if herogold_app is not None:
        with herogold_app.app_context():  # the app's models, as migrate:test finds them
            return resolve_model_metadata()
    return resolve_model_metadata()


def _checks_directory(config: pytest.Config, marker: pytest.Mark) -> Path:
    directory = marker.kwargs.get("directory") or config.getini(_INI_DIR) or "migrations"
    return Path(config.rootpath, directory)
