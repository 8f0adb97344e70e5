"""SQLite: transactional DDL once the sqlite3 driver's legacy mode is out of the way, and a
lock on a sidecar file, because SQLite has no lock that outlives one transaction.

The sqlite3 driver (legacy transaction control, the default up to Python 3.15) sends BEGIN
only before INSERT/UPDATE/DELETE, never before DDL, so a failed ``CREATE TABLE`` would survive
the rollback. On the run's connection we switch the driver to autocommit
(``isolation_level = None``) and send ``BEGIN IMMEDIATE`` ourselves: DDL, DML and savepoints
then all live in one real transaction, and the write lock is taken up front instead of failing
with "database is locked" half-way. The connection is put back as it was afterwards.

The migration lock is ``flock()`` on ``<database>.herogold-migrate-<table>.lock`` beside the
database: the kernel releases it when the process dies, it works across processes and
containers sharing the file system (as SQLite itself needs), and it never blocks the
database file. An in-memory database only exists inside one process, so a thread lock does.
"""

from __future__ import annotations

import errno
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from sqlalchemy.engine import Connection, RootTransaction
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import DBAPIError

from ..errors import (
    ConfigurationError,
    ForeignKeyViolation,
    ForeignKeyViolations,
    LockFileUnavailable,
)
from ..runtime.lock import lock_timeout_error
from .base import DialectImpl, WaitCallback, driver_connection
from .sqlite_files import database_file, is_memory_database

_POLL_SECONDS = 0.05
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_memory_lock = threading.Lock()


#: Characters a table name may hold but a file name may not: the lock file is named after it.
_NOT_IN_A_FILE_NAME = tuple(dict.fromkeys(c for c in ("/", os.sep, os.altsep, "\0") if c))


def lock_file_path(url: URL, table: str) -> str:
    for char in _NOT_IN_A_FILE_NAME:
        if char in table:
            raise ConfigurationError(
                f"The tracking table name {table!r} cannot be used with SQLite: the migration "
                f"lock is a file named after it beside the database, and a file name cannot "
                f"contain {char!r}. Choose another name (HEROGOLD_MIGRATE_TABLE, --table)."
            )
    database = database_file(url)
    assert database is not None, "an in-memory database has no lock file"
    return f"{database}.herogold-migrate-{table}.lock"


def _open_lock_file(path: str) -> IO[bytes]:
    try:
        return open(path, "a+b")
    except OSError as error:
        if error.errno == errno.ENAMETOOLONG:
            advice = "choose a shorter tracking table name (HEROGOLD_MIGRATE_TABLE, --table)"
        else:
            advice = (
                "the lock is held on this file beside the database, so its directory must "
                "exist and be writable by this process"
            )
        raise LockFileUnavailable(
            f"Cannot open the migration lock file {path}: {error.strerror or error}; {advice}."
        ) from None


class SQLiteImpl(DialectImpl):
    name = "sqlite"
    display_name = "SQLite"
    supported = True
    transactional_ddl = True
    join_transaction_mode = "create_savepoint"
    cross_process_lock = True

    def commits_on_its_own(self, statement: str) -> bool:
        return False

    def refused_in_a_transaction(self, error: BaseException) -> bool:
        # "cannot VACUUM from within a transaction", "cannot change into wal mode from within
        # a transaction", ...: SQLite has no error code of its own for these.
        return isinstance(error, DBAPIError) and "within a transaction" in str(error.orig)

    def transaction_open(self, conn: Connection) -> bool | None:
        return bool(driver_connection(conn).in_transaction)

    def refused_unrun(self, error: DBAPIError) -> bool:
        return True  # one statement at a time (sqlite3 refuses more), and each is atomic

    @contextmanager
    def prepared(self, conn: Connection) -> Iterator[None]:
        dbapi_connection = driver_connection(conn)
        saved = dbapi_connection.isolation_level
        if conn.in_transaction():
            conn.commit()
        dbapi_connection.isolation_level = None
        try:
            yield
        finally:
            if not conn.closed and not conn.invalidated:
                dbapi_connection.isolation_level = saved

    #: Whether foreign keys were on when the steps began, so each step is checked instead.
    _checking_foreign_keys = False

    @contextmanager
    def running_steps(self, conn: Connection) -> Iterator[None]:
        # SQLite's own procedure for schema changes (lang_altertable.html, "Making Other Kinds
        # Of Table Schema Changes"): with foreign keys on, the DROP TABLE of a table rebuild
        # (Alembic's batch mode) deletes the old table's rows first, which runs ON DELETE
        # CASCADE on every row that references them. So they go off, outside any transaction
        # (inside one the pragma does nothing), each step is checked before it commits, and
        # they come back on. prepared() has left the driver outside a transaction.
        if not _driver_pragma(conn, "foreign_keys"):
            yield
            return
        _driver_pragma(conn, "foreign_keys = OFF")
        self._checking_foreign_keys = True
        try:
            yield
        finally:
            self._checking_foreign_keys = False
            if not (conn.closed or conn.invalidated):
                _driver_pragma(conn, "foreign_keys = ON")

    def check_before_commit(self, conn: Connection) -> None:
        if not self._checking_foreign_keys:
            return
        found = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
        if found:
            raise ForeignKeyViolations(tuple(ForeignKeyViolation(*row[:3]) for row in found))

    def begin(self, conn: Connection) -> RootTransaction:
        transaction = conn.begin()
        # An engine set up with SQLAlchemy's recipe for real pysqlite transactions sends its
        # own BEGIN from a "begin" event: a second one would fail.
        if not driver_connection(conn).in_transaction:
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                # "database is locked": the connection must be free for the next begin().
                transaction.rollback()
                raise
        return transaction

    @contextmanager
    def autocommit(self, conn: Connection) -> Iterator[None]:
        # prepared() already put the driver in autocommit; only begin() sends a BEGIN.
        yield

    @contextmanager
    def statement_lock_timeout(self, conn: Connection, seconds: float) -> Iterator[None]:
        # SQLite's one lock wait is the busy timeout: how long BEGIN IMMEDIATE (and any write)
        # waits for another connection's write lock before "database is locked".
        dbapi_connection = driver_connection(conn)
        saved = int(dbapi_connection.execute("PRAGMA busy_timeout").fetchone()[0])
        dbapi_connection.execute(f"PRAGMA busy_timeout = {max(1, int(seconds * 1000))}")
        try:
            yield
        finally:
            if not (conn.invalidated or conn.closed):
                dbapi_connection.execute(f"PRAGMA busy_timeout = {saved}")

    def lock_not_obtained(self, error: DBAPIError) -> bool:
        code = getattr(error.orig, "sqlite_errorcode", None)  # Python 3.11 and later
        if code is not None:
            return (code & 0xFF) in (_SQLITE_BUSY, _SQLITE_LOCKED)  # extended codes included
        return "database is locked" in str(error.orig) or "table is locked" in str(error.orig)

    def lock_wait_limit(self, conn: Connection) -> float | None:
        return float(_driver_pragma(conn, "busy_timeout")) / 1000  # type: ignore[arg-type]

    @contextmanager
    def locked(
        self, conn: Connection, table: str, timeout: float, on_wait: WaitCallback | None = None
    ) -> Iterator[None]:
        url = conn.engine.url
        if is_memory_database(url):
            holder = "another thread of this process"
            if not _memory_lock.acquire(blocking=False):
                if timeout <= 0:
                    raise lock_timeout_error(timeout, holder)
                if on_wait is not None:
                    on_wait(holder)
                if not _memory_lock.acquire(timeout=timeout):
                    raise lock_timeout_error(timeout, holder)
            try:
                yield
            finally:
                _memory_lock.release()
            return
        path = lock_file_path(url, table)
        with _open_lock_file(path) as handle:
            _wait_for_file_lock(handle, timeout, path, on_wait)
            try:
                yield
            finally:
                _unlock(handle)


def _driver_pragma(conn: Connection, pragma: str) -> object:
    """Run ``PRAGMA pragma`` on the driver itself, where SQLAlchemy would begin a transaction."""
    cursor = driver_connection(conn).cursor()
    try:
        cursor.execute(f"PRAGMA {pragma}")
        row = cursor.fetchone()
    finally:
        cursor.close()
    return row[0] if row else None


def _wait_for_file_lock(
    handle: IO[bytes], timeout: float, path: str, on_wait: WaitCallback | None
) -> None:
    if _try_lock(handle):
        return
    holder = f"lock file {path}"
    if timeout > 0 and on_wait is not None:
        on_wait(holder)
    deadline = time.monotonic() + timeout
    while not _try_lock(handle):
        if time.monotonic() >= deadline:
            raise lock_timeout_error(timeout, holder)
        time.sleep(_POLL_SECONDS)


if sys.platform == "win32":
    import msvcrt

    def _try_lock(handle: IO[bytes]) -> bool:
        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(handle: IO[bytes]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(handle: IO[bytes]) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(handle: IO[bytes]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
