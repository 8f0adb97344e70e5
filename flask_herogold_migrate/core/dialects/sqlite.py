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

from ..errors import ConfigurationError, LockFileUnavailable
from ..lock import lock_timeout_error
from .base import DialectImpl, WaitCallback, driver_connection

_POLL_SECONDS = 0.05
_memory_lock = threading.Lock()


def is_memory_database(url: URL) -> bool:
    database = url.database or ""
    return (
        database in ("", ":memory:")
        or "mode=memory" in database
        or (url.query.get("mode") == "memory")
    )


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
    return f"{os.path.abspath(url.database or '')}.herogold-migrate-{table}.lock"


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

    def begin(self, conn: Connection) -> RootTransaction:
        transaction = conn.begin()
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        return transaction

    @contextmanager
    def autocommit(self, conn: Connection) -> Iterator[None]:
        # prepared() already put the driver in autocommit; only begin() sends a BEGIN.
        yield

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
