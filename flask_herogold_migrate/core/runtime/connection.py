"""Which database a manager migrates, and the connection a run holds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, make_url
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import ArgumentError, DBAPIError

from ..dialects.sqlite_files import is_memory_database
from ..errors import ConfigurationError, DatabaseUnavailable
from ..urls import hide_secrets, safe_url
from .search_path import enter_schema

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
        return engine_from_url(engine)
    for resolver in _resolvers:
        found = resolver()
        if found is not None:
            return found
    # The standalone command says --database-url itself; this is for callers of the API.
    raise ConfigurationError(
        "No database to migrate: pass engine= (an Engine or a URL) to MigrationManager, or "
        "use it inside a Flask app that has HerogoldMigrate."
    )


#: The driver each database's extra installs (pyproject.toml): backend -> (driver, extra).
_EXTRA_DRIVERS = {
    "postgresql": ("psycopg", "postgresql"),
    "mysql": ("pymysql", "mysql"),
    "mariadb": ("pymysql", "mysql"),
}


def engine_from_url(url: str | URL) -> Engine:
    """``create_engine(url)``; a bad URL or a missing driver is a :class:`ConfigurationError`."""
    try:
        return create_engine(url)
    except ModuleNotFoundError as error:
        raise ConfigurationError(_missing_driver(make_url(url), error)) from None
    except (ArgumentError, ImportError, ValueError) as error:
        scheme = str(url).partition(":")[0]
        if scheme.partition("+")[0] == "postgres":
            # Heroku, Render and others hand out postgres://, which SQLAlchemy does not know.
            raise ConfigurationError(
                f"Invalid database URL: SQLAlchemy does not know the scheme {scheme}://; "
                "write postgresql+psycopg:// instead (the rest of the URL stays)."
            ) from None
        raise ConfigurationError(f"Invalid database URL: {_why_invalid(url, error)}") from None


def _why_invalid(url: str | URL, error: Exception) -> str:
    try:
        parsed = make_url(url)
    except ValueError:
        # Parsing converts only the port. Its error quotes the port's text, which in a URL
        # missing its @ (user:password/db) is the password.
        return "its port is not a number."
    except ArgumentError:
        return str(error)  # says it cannot be parsed, quoting nothing
    return hide_secrets(str(error), parsed)


def _missing_driver(url: URL, error: ModuleNotFoundError) -> str:
    problem = (
        f"Cannot use the database URL {safe_url(url)}: its driver "
        f"needs the Python module {error.name or error}, which is not installed"
    )
    backend = url.get_backend_name()
    if backend not in _EXTRA_DRIVERS:
        return f"{problem}."
    driver, extra = _EXTRA_DRIVERS[backend]
    install = f'pip install "flask-herogold-migrate[{extra}]"'
    if url.get_driver_name() == driver:
        return f"{problem}: {install} installs it."
    suggested = safe_url(url.set(drivername=f"{backend}+{driver}"))
    return (
        f"{problem}. Use {suggested} instead (the {driver} driver, which {install} "
        "installs), or install that module."
    )


@contextmanager
def run_connection(engine: Engine, schema: str | None = None) -> Iterator[Connection]:
    """A connection of the run's own, closed (not pooled) at the end.

    Taking it out of the pool means nothing the run did to the session (locks, driver
    settings) reaches the app, and no connection is left for a forked worker to inherit.
    An in-memory SQLite database lives in its one connection, so that one is shared instead.
    With ``schema`` (PostgreSQL), its ``search_path`` is that schema alone (:mod:`.schemas`).
    """
    conn = _connect(engine)
    try:
        if engine.get_execution_options().get(REUSED_FOR_RUNS):
            # MySQL and MariaDB runs put back what they set (lock waits, the named lock).
            if engine.dialect.name == "postgresql":
                discard_session_state(conn)
        elif not (engine.dialect.name == "sqlite" and is_memory_database(engine.url)):
            conn.detach()
        if schema is not None:
            enter_schema(conn, schema)
        yield conn
    finally:
        conn.close()


#: Execution option of an engine made only for migration runs (:func:`engine_for_many_runs`):
#: its connections go back to its pool after a run, for the next run to reuse.
REUSED_FOR_RUNS = "herogold_migrate_reused_for_runs"


@contextmanager
def engine_for_many_runs(engine: Engine) -> Iterator[Engine]:
    """An engine of its own for many runs on one PostgreSQL database (schema tenants).

    A new PostgreSQL connection costs a server process, which is most of a no-op run's time
    when hundreds of schemas are checked. This engine's connections are kept between runs,
    in a pool of their own that the app never uses, made like the app's (same connect
    arguments and events); each run starts by discarding the session's state, as
    ``DISCARD ALL`` does, so nothing a run left in it (settings, temporary tables, locks)
    reaches the next one. Disposed at the end.
    """
    if engine.dialect.name != "postgresql":
        yield engine
        return
    own = create_engine(
        engine.url, pool=engine.pool.recreate(), execution_options={REUSED_FOR_RUNS: True}
    )
    try:
        yield own
    finally:
        own.dispose()


# DISCARD ALL but for DEALLOCATE ALL: the driver keeps the statements it prepared (psycopg
# does after a few executions) and would use them again.
_DISCARD_SESSION = (
    "CLOSE ALL; SET SESSION AUTHORIZATION DEFAULT; RESET ALL; UNLISTEN *; "
    "SELECT pg_catalog.pg_advisory_unlock_all(); DISCARD PLANS; DISCARD TEMP; "
    "DISCARD SEQUENCES"
)


def discard_session_state(conn: Connection) -> None:
    """A PostgreSQL session as new, as ``DISCARD ALL`` leaves it, keeping the driver's
    prepared statements (it needs autocommit)."""
    dbapi_connection = conn.connection.dbapi_connection
    assert dbapi_connection is not None
    conn.dialect.set_isolation_level(dbapi_connection, "AUTOCOMMIT")
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(_DISCARD_SESSION)
        finally:
            cursor.close()
    finally:
        conn.dialect.reset_isolation_level(dbapi_connection)


def _connect(engine: Engine) -> Connection:
    try:
        return engine.connect()
    except Exception as error:
        # Not only DBAPIError: drivers raise their own errors for what they read from the
        # URL before connecting (PyMySQL: a missing ssl_ca file, an unknown charset).
        orig = error.orig if isinstance(error, DBAPIError) and error.orig else error
        reason = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
        unavailable = DatabaseUnavailable(
            f"Cannot connect to the database {safe_url(engine.url)}: "
            f"{hide_secrets(reason, engine.url)}"
        )
    # Raised here, not in the except block, so the driver's error is not kept as its
    # __context__: a log handler or error tracker could show that, password and all.
    raise unavailable


def leave_autocommit(conn: Connection) -> None:
    """Give the run's own connection transactions back if the app's engine is AUTOCOMMIT.

    With an engine made with ``isolation_level="AUTOCOMMIT"`` (in SQLALCHEMY_ENGINE_OPTIONS,
    say), ``conn.begin()`` opens no transaction, so a failed migration could not be undone.
    Called once a run has work and takes the lock (the startup check's one query needs no
    transaction); the connection is detached and closed after the run, so the app never sees
    the change. SQLite is left to its dialect, which sends BEGIN itself.
    """
    detect = getattr(conn.dialect, "detect_autocommit_setting", None)
    if conn.dialect.name == "sqlite" or detect is None:
        return
    dbapi_connection = conn.connection.dbapi_connection
    level = conn.default_isolation_level
    if dbapi_connection is not None and level is not None and detect(dbapi_connection):
        conn.dialect.set_isolation_level(dbapi_connection, level)
