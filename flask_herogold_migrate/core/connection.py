"""Which database a manager migrates, and the connection a run holds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, DBAPIError

from .dialects.sqlite import is_memory_database
from .errors import ConfigurationError, DatabaseUnavailable

EngineResolver = Callable[[], "Engine | None"]
_resolvers: list[EngineResolver] = []


def register_engine_resolver(resolver: EngineResolver) -> None:
    """Let a framework supply the engine when none is given (the Flask layer: the app's)."""
    if resolver not in _resolvers:
        _resolvers.append(resolver)


def resolve_engine(engine: Engine | str | None) -> Engine:
    if isinstance(engine, Engine):
        return engine
    if isinstance(engine, str):
        try:
            return create_engine(engine)
        except (ArgumentError, ImportError, ValueError) as error:
            raise ConfigurationError(f"Invalid database URL: {error}") from None
    for resolver in _resolvers:
        found = resolver()
        if found is not None:
            return found
    raise ConfigurationError(
        "No database to migrate: pass engine= (an Engine or a URL), give --database-url or set "
        "DATABASE_URL, or use the manager inside a Flask app that has HerogoldMigrate."
    )


@contextmanager
def run_connection(engine: Engine) -> Iterator[Connection]:
    """A connection of the run's own, closed (not pooled) at the end.

    Taking it out of the pool means nothing the run did to the session (locks, driver
    settings) reaches the app, and no connection is left for a forked worker to inherit.
    An in-memory SQLite database lives in its one connection, so that one is shared instead.
    """
    try:
        conn = engine.connect()
    except DBAPIError as error:
        url = engine.url.render_as_string(hide_password=True)
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise DatabaseUnavailable(f"Cannot connect to the database {url}: {reason}") from None
    try:
        if not (engine.dialect.name == "sqlite" and is_memory_database(engine.url)):
            conn.detach()
        yield conn
    finally:
        conn.close()
