"""The example application: a small user directory, migrated with flask-herogold-migrate.

From the repository root::

    flask --app example_app migrate
    flask --app example_app run

The database is ``instance/example.db`` (SQLite) unless ``DATABASE_URL`` says otherwise, and
``HEROGOLD_MIGRATE_AUTO=1`` in the environment applies pending migrations at startup.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from flask_herogold_migrate import HerogoldMigrate

from .models import db
from .routes import bp

__all__ = ["create_app", "db", "migrate"]

migrate = HerogoldMigrate()

_TRUE = {"1", "true", "yes", "on"}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; ``config`` overrides the settings read from the environment."""
    # The instance folder (which holds the SQLite file) sits inside the package, next to
    # migrations/, instead of beside it in the repository root.
    app = Flask(__name__, instance_path=str(Path(__file__).parent / "instance"))
    app.config.from_mapping(
        # A relative SQLite path: Flask-SQLAlchemy puts the file in the instance folder.
        SQLALCHEMY_DATABASE_URI=os.environ.get("DATABASE_URL", "sqlite:///example.db"),
        # Where the app is served, e.g. HEROGOLD_MIGRATE_AUTO=1 gunicorn "example_app:create_app()"
        HEROGOLD_MIGRATE_AUTO=os.environ.get("HEROGOLD_MIGRATE_AUTO", "").lower() in _TRUE,
    )
    if config is not None:
        app.config.update(config)
    db.init_app(app)
    # Adds the `flask migrate` commands and, with HEROGOLD_MIGRATE_AUTO, applies what is
    # pending in example_app/migrations before the app serves a single request.
    migrate.init_app(app, db)
    app.register_blueprint(bp)
    return app
