"""The migration lock: one per database and tracking table, held for a whole run.

Each dialect takes it with the database's own mechanism (see ``dialects``), so the server or
the kernel releases it when the holding process dies and no stale lock ever needs cleaning.
This module holds what the dialects share: stable keys and the timeout error.
"""

from __future__ import annotations

import hashlib

from .errors import LockTimeout

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
