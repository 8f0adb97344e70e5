"""The SQL script of a run (``migrate:sql``), rendered without connecting to any database.

Applied to an empty database with ``psql -f``, ``mysql`` or ``sqlite3``, the script leaves
the schema and the tracking rows a ``migrate`` would: the tracking table's DDL (unless the
script starts after an applied migration), then each migration's statements, in its own
``BEGIN``/``COMMIT`` where the database has transactional DDL, with its tracking row.
Schema operations render through Alembic's offline (``as_sql``) mode; SQL text is rendered
with its bound parameters as literals.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import make_url
from sqlalchemy.schema import CreateTable

from ..errors import ConfigurationError, MigrationError, describe_error
from ..files.discovery import MigrationFile, discover, find_target
from ..files.loader import load_migration
from ..states import APPLIED, Direction
from ..tracking.schema import _full_table
from .session import OfflineSession, UnrenderableMigration, _Cannot

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect

#: The dialects a script can be written for, by ``--dialect`` name.
OFFLINE_DIALECTS = {
    "sqlite": "sqlite://",
    "postgresql": "postgresql+psycopg://",
    "mysql": "mysql+pymysql://",
    # As MySQL: the tracking table's options are written for the dialect named mysql.
    "mariadb": "mysql+pymysql://",
}
# The tracking table stores UTC, as a run's rows do.
_UTC_NOW = {
    "sqlite": "CURRENT_TIMESTAMP",
    "postgresql": "(now() AT TIME ZONE 'utc')",
    "mysql": "UTC_TIMESTAMP()",
    "mariadb": "UTC_TIMESTAMP()",
}
_TRANSACTIONAL_DDL = ("sqlite", "postgresql")


@dataclass(frozen=True)
class OfflineScript:
    """A run written out as SQL, and what it holds."""

    #: The database the SQL is for: ``sqlite``, ``postgresql``, ``mysql`` or ``mariadb``.
    dialect: str
    direction: Direction
    #: The migrations whose statements the script holds, in the order it runs them.
    migrations: tuple[str, ...]
    #: Those left as commented blocks (``skip_unrenderable``): they need a database.
    skipped: tuple[str, ...]
    #: Whether the script starts by creating the tracking table.
    creates_tracking_table: bool
    sql: str


def offline_dialect(name: str) -> Dialect:
    """The SQLAlchemy dialect for a ``--dialect`` name or a URL's driver name
    (``postgresql+psycopg``); connects nowhere."""
    url = make_url(OFFLINE_DIALECTS.get(name.lower(), f"{name}://"))
    # Named parameters: with a driver's format style, a literal's % would be written as %%.
    mariadb = name.lower() == "mariadb" or url.get_backend_name() == "mariadb"
    if url.get_backend_name() == "mariadb":
        url = url.set(drivername=f"mysql+{url.get_driver_name()}")
    dialect: Dialect = url.get_dialect()(paramstyle="named")  # type: ignore[call-arg]
    if mariadb:
        dialect.is_mariadb = True  # type: ignore[attr-defined]
    if _name(dialect) not in _UTC_NOW:
        raise ConfigurationError(
            f"migrate:sql writes SQL for {', '.join(OFFLINE_DIALECTS)}, not for {dialect.name}."
        )
    return dialect


def render_script(
    migrations_dir: Path,
    tracking_table: str,
    dialect: Dialect,
    *,
    start: str | None = None,
    stop: str | None = None,
    rollback: bool = False,
    skip_unrenderable: bool = False,
) -> OfflineScript:
    """The script of the migrations after ``start`` (an applied one; None: from the first)
    up to and including ``stop`` (None: the last): ``up()`` in order, or with ``rollback``,
    ``down()`` newest first. Each file is imported and its step run against a session that
    writes SQL instead of sending it."""
    files = discover(migrations_dir)
    chosen = _between(files, start, stop)
    if rollback:
        chosen.reverse()
    name = _name(dialect)
    quote = dialect.identifier_preparer.quote
    table = quote(tracking_table)
    out = io.StringIO()
    direction: Direction = "down" if rollback else "up"
    out.write(
        f"-- {len(chosen)} migration(s), {direction}, for {name}: flask-herogold-migrate.\n\n"
    )
    creates = start is None and not rollback
    if creates:
        ddl = CreateTable(_full_table(tracking_table, name)).compile(dialect=dialect)
        out.write(f"{str(ddl).strip()};\n\n")
    rendered: list[str] = []
    skipped: list[str] = []
    for file in chosen:
        migration = load_migration(file)
        try:
            body = _render_step(file, dialect, rollback)
        except UnrenderableMigration as refused:
            if not skip_unrenderable:
                raise
            skipped.append(file.name)
            out.write(_commented(file, refused.why))
            continue
        wrapped = name in _TRANSACTIONAL_DDL and migration.transactional
        out.write(f"-- {file.name}\n\n")
        out.write("BEGIN;\n\n" if wrapped else "")
        out.write(body)
        if rollback:
            out.write(f"DELETE FROM {table} WHERE name = {_literal(file.name)};\n\n")
        else:
            batch = "COALESCE(MAX(batch), 0) + 1" if not rendered else "MAX(batch)"
            out.write(
                f"INSERT INTO {table} (name, batch, applied_at, checksum, state) "
                f"SELECT {_literal(file.name)}, {batch}, {_UTC_NOW[name]}, "
                f"{_literal(file.checksum())}, {_literal(APPLIED)} FROM {table};\n\n"
            )
        out.write("COMMIT;\n\n" if wrapped else "")
        rendered.append(file.name)
    return OfflineScript(name, direction, tuple(rendered), tuple(skipped), creates, out.getvalue())


def _render_step(file: MigrationFile, dialect: Dialect, rollback: bool) -> str:
    from alembic.runtime.migration import MigrationContext

    from ..operations import quiet_alembic_setup

    buffer = io.StringIO()
    with quiet_alembic_setup():
        context = MigrationContext.configure(
            dialect=dialect,
            opts={"as_sql": True, "output_buffer": buffer, "literal_binds": True},
        )
    migration = load_migration(file)
    session = OfflineSession(context)
    try:
        (migration.down if rollback else migration.up)(session)  # type: ignore[arg-type]
    except _Cannot as cannot:
        raise UnrenderableMigration(file.name, cannot.why) from None
    except MigrationError:
        raise
    except Exception as error:
        raise UnrenderableMigration(
            file.name, f"failed when rendered ({describe_error(error)})"
        ) from error
    return buffer.getvalue()


def _between(
    files: list[MigrationFile], start: str | None, stop: str | None
) -> list[MigrationFile]:
    first = 0 if start is None else files.index(find_target(files, start)) + 1
    last = len(files) if stop is None else files.index(find_target(files, stop)) + 1
    return files[first:last]


def _commented(file: MigrationFile, why: str) -> str:
    source = file.path.read_text(encoding="utf-8").rstrip("\n").splitlines()
    lines = [
        f"-- {file.name} was left out: it {why}.",
        "-- Apply it with migrate; its tracking row is not written here either. Its source:",
        *(f"--   {line}" if line else "--" for line in source),
    ]
    return "\n".join(lines) + "\n\n"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _name(dialect: Dialect) -> str:
    return "mariadb" if getattr(dialect, "is_mariadb", False) else dialect.name
