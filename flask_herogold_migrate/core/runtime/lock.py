"""The migration lock: one per database and tracking table, held for a whole run.

Each dialect takes it with the database's own mechanism (see ``dialects``), so the server or
the kernel releases it when the holding process dies and no stale lock ever needs cleaning.
This module holds how a run takes it (:func:`holding_the_lock`) and what the dialects share:
stable keys and the timeout error.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from ..errors import LockTimeout
from ..progress import Progress
from ..states import Direction

if TYPE_CHECKING:
    from ..dialects import DialectImpl

#: Seconds a process waits for another one's migration run before giving up.
DEFAULT_LOCK_TIMEOUT = 60.0

#: Seconds between the server's checks that a migrating client is still connected, while a
#: statement runs (PostgreSQL 14 and later): a killed migrator's lock is freed within this.
DEFAULT_CONNECTION_CHECK_INTERVAL = 1.0

_SALT = "flask-herogold-migrate"


def lock_key64(*parts: str) -> int:
    """A signed 64-bit key, the same in every process (unlike ``hash()``, which is salted)."""
    digest = hashlib.sha256("\0".join((_SALT, *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock_name(*parts: str, max_length: int = 64) -> str:
    """A readable lock name of at most ``max_length`` characters (MySQL's limit is 64)."""
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()
    return f"herogold-migrate:{digest}"[:max_length]


def lock_timeout_error(timeout: float, holder: str | None) -> LockTimeout:
    who = f" ({holder})" if holder else ""
    return LockTimeout(
        f"Another process holds the migration lock{who}; gave up waiting after {timeout:g} s. "
        "It is probably applying migrations right now: wait for it to finish, or raise "
        "HEROGOLD_MIGRATE_LOCK_TIMEOUT (--lock-timeout).",
        timeout=timeout,
        holder=holder,
    )


@contextmanager
def holding_the_lock(
    conn: Connection,
    table: str,
    direction: Direction,
    *,
    lock_timeout: float,
    connection_check_interval: float,
    emit: Callable[[Progress], None],
) -> Iterator[DialectImpl]:
    """The run's connection set up for migrations, holding the migration lock for ``table``."""
    # Here, not at the top: the dialects import this module for its keys.
    from ..dialects import dialect_for, missing_guarantees
    from .connection import leave_autocommit

    impl = dialect_for(conn)
    warning = missing_guarantees(impl)
    if warning is not None:
        emit(Progress("unsupported", "", direction, reason=warning))
    leave_autocommit(conn)

    def say_who_holds_it(holder: str | None) -> None:
        emit(Progress("waiting", "", direction, lock_timeout, reason=holder))

    with impl.prepared(conn):
        # Before the lock is taken, so it is never held by a session the server keeps running
        # after this process died.
        note = impl.notice_dead_client(conn, connection_check_interval)
        if note is not None:
            emit(Progress("note", "", direction, reason=note))
        with impl.locked(conn, table, lock_timeout, say_who_holds_it):
            yield impl
