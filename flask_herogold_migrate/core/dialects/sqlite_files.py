"""Which file a SQLite URL opens, as SQLAlchemy's pysqlite dialect and SQLite itself read it:
the lock file sits beside it, and a URL that opens no file is a memory database."""

from __future__ import annotations

import os
import re
import sys
from urllib.parse import unquote_to_bytes

from sqlalchemy.engine.url import URL
from sqlalchemy.util import asbool


def is_memory_database(url: URL) -> bool:
    """Whether ``url`` opens a database that lives in this process's memory only."""
    return database_file(url) is None


#: Query parameters SQLAlchemy's pysqlite dialect hands to ``sqlite3.connect()`` itself;
#: the others go on the SQLite URI (see its "URI Connections" docs).
_DRIVER_PARAMETERS = frozenset(
    ("uri", "timeout", "isolation_level", "detect_types", "check_same_thread", "cached_statements")
)


def database_file(url: URL) -> str | None:
    """The file SQLite opens for ``url``, as an absolute path; None for a memory database.

    Follows what SQLAlchemy's pysqlite dialect passes to ``sqlite3.connect()``: the database
    part as a plain path (``:memory:`` and the empty name are memory), or, with ``uri=true`` in
    the query string, the database part plus the query's other parameters, which SQLite reads
    as a URI if it starts with ``file:`` (https://www.sqlite.org/uri.html): an optional empty
    or ``localhost`` authority, then a percent-encoded path, relative to the current directory
    unless it starts with ``/``, ending at ``?`` or ``#``, then ``&``-separated parameters, of
    which ``mode=memory`` (as does the in-process ``memdb`` VFS) makes it a memory database.
    """
    database = url.database or ""
    if not _is_true(url.query.get("uri")):
        # A plain path: no query can make it a memory database, and "file:" is no prefix.
        return None if database in ("", ":memory:") else os.path.abspath(database)
    extra = sorted((k, v) for k, v in url.query.items() if k not in _DRIVER_PARAMETERS)
    filename = database + ("?" + "&".join(f"{k}={v}" for k, v in extra) if extra else "")
    if not filename.startswith("file:"):
        return None if filename in ("", ":memory:") else os.path.abspath(filename)
    uri = filename[len("file:") :].partition("#")[0]
    path, _, query = uri.partition("?")
    if path.startswith("//"):  # the authority, empty or "localhost" (SQLite refuses others)
        slash = path.find("/", 2)
        path = "" if slash < 0 else path[slash:]
    path = _decode(path)
    options = {
        _decode(key): _decode(value)
        for key, _, value in (pair.partition("=") for pair in query.split("&"))
    }
    if path in ("", ":memory:") or options.get("mode") == "memory" or options.get("vfs") == "memdb":
        return None
    if sys.platform == "win32" and re.match(r"/[A-Za-z]:", path):
        path = path[1:]  # file:///C:/app.db
    return os.path.abspath(path)


def _is_true(value: object) -> bool:
    """``uri=...`` as SQLAlchemy reads it (``asbool``)."""
    try:
        return value is not None and asbool(value)
    except ValueError:
        return False


def _decode(text: str) -> str:
    """SQLite's ``%HH`` decoding of a URI's path and parameters."""
    return os.fsdecode(unquote_to_bytes(text))
