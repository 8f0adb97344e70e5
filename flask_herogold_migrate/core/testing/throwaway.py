"""Throwaway databases: where ``migrate:test`` and the pytest plugin run migrations.

One is made beside the database of a URL (the app's, or ``--database-url``), on the same
server with the same credentials, and that database itself is never touched: SQLite gets a
file in a new temporary directory, PostgreSQL, MariaDB and MySQL a new database named
``hgm_test_<unique>``. Every database made is dropped when the ``with`` block ends, however
it ends: a failing check, an exception, Ctrl-C (``KeyboardInterrupt`` reaches ``finally``),
or SIGTERM, which the block turns into ``KeyboardInterrupt`` while it lasts. Interrupts that
arrive while the databases are being dropped wait until they are gone.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import DBAPIError

from ..errors import ConfigurationError, ThrowawayDatabaseError
from ..runtime.connection import REUSED_FOR_RUNS
from ..urls import hide_secrets, safe_url
from .interrupts import interrupts_deferred, sigterm_interrupts

#: Every throwaway database's name starts with this, so one left by a killed process
#: (``kill -9`` runs no cleanup) is easy to find.
NAME_PREFIX = "hgm_test_"

logger = logging.getLogger("flask_herogold_migrate")

_SERVER_BACKENDS = ("postgresql", "mysql", "mariadb")


@dataclass(frozen=True)
class ThrowawayDatabase:
    """One throwaway database, and the engine to reach it (closed before it is dropped)."""

    #: The database's name on its server; for SQLite, the path of its file.
    name: str
    url: URL
    engine: Engine
    #: How messages name the database: ``PostgreSQL database hgm_test_...``.
    description: str


class ThrowawayServer:
    """Makes throwaway databases beside the database of ``url``, and drops every one."""

    def __init__(self, url: str | URL) -> None:
        self.source = make_url(url) if isinstance(url, str) else url
        self.backend = self.source.get_backend_name()
        if self.backend != "sqlite" and self.backend not in _SERVER_BACKENDS:
            raise ConfigurationError(
                f"A throwaway database can be made on SQLite, PostgreSQL, MariaDB or MySQL, "
                f"not on {self.backend}: give the URL of one with --database-url."
            )
        self._made: list[ThrowawayDatabase] = []
        self._admin: Engine | None = None

    def create(self) -> ThrowawayDatabase:
        """A new, empty database."""
        name = f"{NAME_PREFIX}{uuid.uuid4().hex[:16]}"
        if self.backend == "sqlite":
            directory = tempfile.mkdtemp(prefix=NAME_PREFIX)
            path = str(Path(directory, "throwaway.db"))
            url = self.source.set(database=path, query={})
            database = ThrowawayDatabase(
                path, url, _engine(url), "SQLite database (a temporary file)"
            )
            self._made.append(database)
            logger.debug("Created the throwaway database %s", path)
            return database
        url = self.source.set(database=name)
        with self._admin_connection() as conn:
            kind = _display_name(conn)
            database = ThrowawayDatabase(name, url, _engine(url), f"{kind} database {name}")
            # Listed before it exists: an interrupt during CREATE DATABASE still drops it.
            self._made.append(database)
            try:
                conn.execute(text(f"CREATE DATABASE {name}"))
                if conn.dialect.name == "postgresql":  # as for SQLite: no wait for the disk
                    conn.execute(text(f"ALTER DATABASE {name} SET synchronous_commit = off"))
            except DBAPIError as error:
                # Refused: nothing to drop (nor, often, the right to try, a needless warning).
                self._made.remove(database)
                database.engine.dispose()
                raise ThrowawayDatabaseError(
                    f"Cannot create the throwaway database {name} on {self._server()}: "
                    f"{self._reason(error)}. Testing migrations needs a user allowed to create "
                    "databases there; give the URL of one with --database-url."
                ) from None
        logger.debug("Created the throwaway database %s", name)
        return database

    def drop(self, database: ThrowawayDatabase) -> None:
        """Drop ``database`` now (one the checks are done with)."""
        database.engine.dispose()
        if self.backend == "sqlite":
            shutil.rmtree(Path(database.name).parent, ignore_errors=True)
        else:
            with self._admin_connection() as conn:
                self._drop_on_server(conn, database.name)
        self._made.remove(database)
        logger.debug("Dropped the throwaway database %s", database.name)

    def close(self) -> None:
        """Drop every database still there; raise if one could not be dropped."""
        left: list[str] = []
        for database in list(self._made):
            try:
                self.drop(database)
            except Exception as error:  # the server went away, say: try the others
                reason = hide_secrets(str(error).strip().splitlines()[0], self.source)
                logger.warning(
                    "Could not drop the throwaway database %s: %s", database.name, reason
                )
                left.append(database.name)
        if self._admin is not None:
            self._admin.dispose()
        if left:
            raise ThrowawayDatabaseError(
                f"The throwaway database {', '.join(left)} on {self._server()} could not be "
                "dropped: drop it by hand."
            )

    # -- internals -----------------------------------------------------------------------

    @contextmanager
    def _admin_connection(self) -> Iterator[Connection]:
        """A connection to the server, outside any transaction (CREATE DATABASE needs that)."""
        with self._connect_admin() as conn:
            yield conn

    def _connect_admin(self) -> Connection:
        # PostgreSQL is reached through the source URL's database, or "postgres" if that one
        # does not exist yet; MariaDB and MySQL need none.
        if self._admin is None:
            admin_url = self.source
            if self.backend != "postgresql":
                admin_url = admin_url._replace(database=None)
            self._admin = _engine(admin_url, isolation_level="AUTOCOMMIT")
        try:
            return self._admin.connect()
        except DBAPIError as error:
            reason = self._reason(error)
        if self.backend == "postgresql" and self.source.database != "postgres":
            self._admin.dispose()
            maintenance = self.source.set(database="postgres")
            self._admin = _engine(maintenance, isolation_level="AUTOCOMMIT")
            # If this fails too, the first reason is the one about the user's URL.
            with contextlib.suppress(DBAPIError):
                return self._admin.connect()
        raise ThrowawayDatabaseError(
            f"Cannot connect to {self._server()} to make a throwaway database: {reason}."
        )

    def _drop_on_server(self, conn: Connection, name: str) -> None:
        if self.backend == "postgresql":
            # FORCE (PostgreSQL 13 and later) ends the sessions still connected to it.
            force = " WITH (FORCE)" if _server_version(conn) >= (13,) else ""
            if not force:
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": name},
                )
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}{force}"))
            return
        # A session left in a transaction on one of its tables would make DROP DATABASE wait
        # for its metadata lock: end such sessions first.
        sessions = conn.execute(
            text("SELECT id FROM information_schema.processlist WHERE db = :name"),
            {"name": name},
        ).scalars()
        for session_id in list(sessions):
            with contextlib.suppress(DBAPIError):  # it may have ended on its own meanwhile
                conn.execute(text(f"KILL {int(session_id)}"))
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))

    def _server(self) -> str:
        return safe_url(self.source._replace(database=None))

    def _reason(self, error: DBAPIError) -> str:
        lines = str(error.orig if error.orig is not None else error).strip().splitlines()
        return hide_secrets(lines[0] if lines else type(error).__name__, self.source).rstrip(".")


@contextmanager
def throwaway_databases(url: str | URL) -> Iterator[ThrowawayServer]:
    """A :class:`ThrowawayServer` for ``url`` whose databases are all dropped at the end."""
    server = ThrowawayServer(url)
    failed = False
    with sigterm_interrupts():
        try:
            yield server
        except BaseException:
            failed = True
            raise
        finally:
            with interrupts_deferred():
                try:
                    server.close()
                except ThrowawayDatabaseError:
                    if not failed:
                        raise
                    # The error in flight says what went wrong; the log names what is left.


@contextmanager
def throwaway_database(url: str | URL) -> Iterator[ThrowawayDatabase]:
    """One throwaway database beside the database of ``url``, dropped at the end."""
    with throwaway_databases(url) as server:
        yield server.create()


def _engine(url: URL, **options: Any) -> Engine:
    # Pooled, runs keeping their connection (REUSED_FOR_RUNS), as connecting is slow (a
    # server process; PyMySQL sets up TLS): drop() disposes of the pool first.
    engine = create_engine(url, execution_options={REUSED_FOR_RUNS: True}, **options)
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_without_sync)
    return engine


def _sqlite_without_sync(dbapi_connection: Any, record: Any) -> None:
    # A throwaway database need not survive a power cut: not waiting for each commit to
    # reach the disk changes nothing a migration can see, and most of a check's time.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous = OFF")
    cursor.close()


def _server_version(conn: Connection) -> tuple[int, ...]:
    version = conn.dialect.server_version_info or (0,)
    return tuple(part for part in version if isinstance(part, int))


def _display_name(conn: Connection) -> str:
    if conn.dialect.name == "postgresql":
        return "PostgreSQL"
    return "MariaDB" if getattr(conn.dialect, "is_mariadb", False) else "MySQL"
