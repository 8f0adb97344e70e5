"""What adopting needs of the migrations directory and of the database, checked first."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Connection

from ..files.discovery import list_stems
from ..files.naming import parse_stem
from ..manager import MigrationManager
from .live_schema import AdoptionRefused


def refuse_written_directory(directory: Path) -> None:
    """Adopting writes a database's first migrations: refuse a directory that has some, and
    Flask-Migrate's own directory, whose ``env.py`` would sit among them."""
    if (directory / "env.py").exists() or (directory / "alembic.ini").exists():
        raise AdoptionRefused(
            f"{directory} is Flask-Migrate's directory (env.py, versions/): set "
            "HEROGOLD_MIGRATE_DIR (or --dir) to another directory, or move Flask-Migrate's "
            "aside first (git mv migrations alembic) and pass --from-alembic alembic. "
            "Nothing was written."
        )
    stems = [s for s in list_stems(directory) if parse_stem(s)] if directory.is_dir() else []
    if stems:
        raise AdoptionRefused(
            f"{directory} already holds migrations ({stems[0]}.py, ...): migrate:adopt writes "
            "a database's first migrations. Nothing was written."
        )


def refuse_tracked(conn: Connection, manager: MigrationManager, database: str) -> None:
    if manager.tracking.read_states(conn):
        raise AdoptionRefused(
            f"{database} is already tracked by flask-herogold-migrate (its "
            f"{manager.tracking.name} table has rows): there is nothing to adopt."
        )
