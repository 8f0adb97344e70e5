"""A baseline: one migration of schema operations that creates the schema a database has now,
checked by building it on a throwaway database and comparing the two, object by object.

Alembic's comparison does the work: the live tables, reflected, are the "models", compared
with an empty database of the same kind, so the baseline is what autogenerate would write for
them, rendered as any generated migration is. What schema operations cannot create (views,
functions, triggers, sequences no column owns) becomes a ``# TODO``; the comparison leaves it
out, and the caller says so.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from ..autogenerate.api import plan_autogenerate
from ..autogenerate.render import render_migration
from ..files.create import NewMigration, plan_new_migration
from ..manager import MigrationManager
from ..runtime.connection import run_connection
from ..testing.snapshot import SchemaSnapshot, differences, take_snapshot
from ..testing.throwaway import throwaway_database
from ..tracking.digest import digest_table_name
from .live_schema import ALEMBIC_VERSION_TABLE, read_live_schema

#: On SQLite, what reflection misses when written inside a column's definition: compared
#: from SQLite's own pragmas instead (:func:`_sqlite_differences`).
_SQLITE_OWN = frozenset({"unique constraint", "foreign key"})

#: Renders the baseline's file for the name it gets when written.
BaselineRenderer = Callable[[NewMigration], str]


@dataclass(frozen=True)
class Baseline:
    """A baseline of one database, rendered and checked; nothing written yet."""

    #: How the file will be named, and its text under that name.
    new: NewMigration
    source: str
    render: BaselineRenderer
    tables: tuple[str, ...]
    #: What the baseline cannot create, each ``"view reports"``: a TODO in the file.
    not_expressible: tuple[str, ...]
    #: How the schema the baseline builds differs from the live one, one line each.
    differences: tuple[str, ...]

    @property
    def verified(self) -> bool:
        return not self.differences


def build_baseline(
    conn: Connection,
    *,
    name: str,
    migrations_dir: Path,
    tracking_table: str,
    origin: str,
    class_lines: tuple[str, ...] = (),
    notes: tuple[str, ...] = (),
    now: datetime | None = None,
) -> Baseline:
    """The baseline of the database behind ``conn``, verified on a throwaway database made
    beside it (same server, same credentials; always dropped)."""
    exclude = {tracking_table, digest_table_name(tracking_table), ALEMBIC_VERSION_TABLE}
    live = read_live_schema(conn, exclude=exclude)
    new = plan_new_migration(name, migrations_dir, now=now)
    with throwaway_database(conn.engine.url) as throwaway:
        with run_connection(throwaway.engine) as empty:
            # The live schema's own names, none made up: what the database has is the truth.
            plan = plan_autogenerate(
                empty, live.metadata, tracking_table=tracking_table, keep_names=True
            )
        notes += tuple(
            f"The baseline cannot create the {item}: create it here by hand (op.execute)."
            for item in live.not_expressible
        )
        plan = dataclasses.replace(plan, notes=notes)

        def render(named: NewMigration) -> str:
            return render_migration(plan, named, origin=origin, class_lines=class_lines)

        source = render(new)
        _build(source, new.stem, throwaway.engine, tracking_table)
        with run_connection(throwaway.engine) as built:
            found = snapshot_differences(conn, built, exclude=exclude, noted=live.not_expressible)
    return Baseline(new, source, render, tuple(live.tables), live.not_expressible, found)


def _build(source: str, stem: str, engine: Engine, tracking_table: str) -> None:
    """Run ``source`` as the one migration of the empty database of ``engine``."""
    with tempfile.TemporaryDirectory(prefix="hgm_baseline_") as directory:
        Path(directory, f"{stem}.py").write_text(source, encoding="utf-8")
        MigrationManager(directory, engine=engine, table=tracking_table).run_migrations()


def snapshot_differences(
    live_conn: Connection, built_conn: Connection, *, exclude: set[str], noted: tuple[str, ...]
) -> tuple[str, ...]:
    """How the schema behind ``built_conn`` differs from the live one, leaving out the
    objects noted as not expressible (``"view reports"``)."""
    live = take_snapshot(live_conn, exclude=exclude)
    built = take_snapshot(built_conn, exclude=exclude)
    sqlite = live_conn.dialect.name == "sqlite"
    lines = [
        _describe(difference.change, difference.named, difference.before, difference.after)
        for difference in differences(live, built)
        if difference.named not in noted and not (sqlite and difference.kind in _SQLITE_OWN)
    ]
    if sqlite:
        lines += _sqlite_differences(live_conn, built_conn, _tables(live))
    return tuple(lines)


def _tables(snapshot: SchemaSnapshot) -> list[str]:
    return sorted({key[0] for key in snapshot.objects if key[0] is not None})


def _describe(change: str, named: str, before: str | None, after: str | None) -> str:
    if change == "missing":
        return f"{named}: the baseline does not create it ({before})"
    if change == "extra":
        return f"{named}: the baseline creates it, the database has none ({after})"
    return f"{named}: {before} in the database, {after} from the baseline"


def _sqlite_differences(live: Connection, built: Connection, tables: list[str]) -> list[str]:
    """What SQLAlchemy's reflection of SQLite misses: unique constraints written inside a
    column's definition, ``ON DELETE``/``ON UPDATE`` of such foreign keys, AUTOINCREMENT."""
    found = []
    for table in tables:
        before, after = _sqlite_details(live, table), _sqlite_details(built, table)
        found += [f"{item} in the database, not from the baseline" for item in before - after]
        found += [f"{item} from the baseline, not in the database" for item in after - before]
    return sorted(found)


def _sqlite_details(conn: Connection, table: str) -> set[str]:
    quoted = '"' + table.replace('"', '""') + '"'
    details = set()
    for index in conn.execute(text(f"PRAGMA index_list({quoted})")).mappings():
        columns = [
            str(row["name"])
            for row in conn.execute(text(f'PRAGMA index_info("{index["name"]}")')).mappings()
        ]
        unique = "unique " if index["unique"] else ""
        details.add(f"{unique}index on {table}({', '.join(columns)})")
    for key in conn.execute(text(f"PRAGMA foreign_key_list({quoted})")).mappings():
        details.add(
            f"foreign key {table}({key['from']}) -> {key['table']}({key['to']}) "
            f"ON UPDATE {key['on_update']} ON DELETE {key['on_delete']}"
        )
    sql = conn.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
        {"name": table},
    ).scalar()
    if sql and "AUTOINCREMENT" in str(sql).upper():
        details.add(f"AUTOINCREMENT on {table}")
    return details
