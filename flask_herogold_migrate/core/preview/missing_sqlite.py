"""A rehearsal on a SQLite file that does not exist yet: run on an empty database in memory.

Connecting would create the file (and the migration lock would create its lock file beside
it), so ``--pretend`` would leave both behind while saying nothing changed. A missing file
is an empty database, which memory holds as well.
"""

from __future__ import annotations

import os

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool

from ..dialects.sqlite_files import database_file


def empty_stand_in(engine: Engine) -> Engine | None:
    """An empty in-memory database for ``engine``'s SQLite file if that file is missing;
    None otherwise (the caller disposes of the engine returned)."""
    if engine.dialect.name != "sqlite":
        return None
    path = database_file(engine.url)
    if path is None or os.path.exists(path):
        return None
    # One connection for every checkout, so each sees the same database.
    return create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
