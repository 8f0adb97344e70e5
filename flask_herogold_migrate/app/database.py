"""Which database a Flask app means without Flask-SQLAlchemy: its URI, read as Flask-SQLAlchemy
reads it."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from sqlalchemy import make_url

from ..core import ConfigurationError
from ..core.dialects.sqlite_files import is_memory_database


def database_url(app: Flask) -> Any:
    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        raise ConfigurationError(
            "HerogoldMigrate needs a database: pass the Flask-SQLAlchemy db to init_app(), or "
            "set SQLALCHEMY_DATABASE_URI."
        )
    return resolve_sqlite_path(app, uri)


def resolve_sqlite_path(app: Flask, uri: str) -> Any:
    """``uri``, a relative SQLite path in it made relative to the instance folder."""
    url = make_url(uri)
    if url.get_backend_name() != "sqlite" or is_memory_database(url):
        return url
    # Same rule as Flask-SQLAlchemy: a relative SQLite path, or the path of a relative
    # filename URI (sqlite:///file:app.db?uri=true), lives in the instance folder.
    database = url.database or ""
    is_uri = bool(url.query.get("uri")) and database.startswith("file:")
    path = database[len("file:") :] if is_uri else database
    if os.path.isabs(path):
        return url
    os.makedirs(app.instance_path, exist_ok=True)
    path = os.path.join(app.instance_path, path)
    return url.set(database=f"file:{path}" if is_uri else path)
