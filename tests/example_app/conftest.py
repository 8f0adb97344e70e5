"""Fixtures for the example app: ``app`` is example_app's own factory on the test database.

``database`` (tests/conftest.py) is parametrised over SQLite, PostgreSQL and MariaDB, so every
test here that uses ``app`` or pytest-flask's ``client`` runs once per database.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from example_app import create_app, db


@pytest.fixture
def app(database) -> Iterator[Flask]:
    """The example app, migrating and serving the test database."""
    flask_app = create_app({"SQLALCHEMY_DATABASE_URI": database.url, "TESTING": True})
    yield flask_app
    with flask_app.app_context():
        db.session.remove()
        db.engine.dispose()
