"""Fixtures for the example app: ``app`` is example_app's own factory on the test database.

``database`` (tests/conftest.py) is parametrised over SQLite, PostgreSQL and MariaDB, so every
test here that uses ``app`` or pytest-flask's ``client`` runs once per database. The pytest
plugin's fixtures (``migrator``, the migration checks) run on each server too.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from example_app import create_app, db
from tests.helpers import example_models


@pytest.fixture
def app(database) -> Iterator[Flask]:
    """The example app, migrating and serving the test database."""
    flask_app = create_app({"SQLALCHEMY_DATABASE_URI": database.url, "TESTING": True})
    yield flask_app
    with flask_app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def herogold_app(database_server: str) -> Iterator[Flask]:
    """The app the pytest plugin reads its settings from (migrations, tracking table, models,
    the server for its throwaway databases), on each server in turn. ``app`` is parametrised
    by ``database``, so the plugin cannot make it for a test that does not ask for it."""
    flask_app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_server,  # never touched: only its server is used
            "HEROGOLD_MIGRATE_METADATA": example_models(),
            "TESTING": True,
        }
    )
    yield flask_app
    with flask_app.app_context():
        db.engine.dispose()
