"""``migrate:squash``: the applied migrations up to one, replaced by one migration.

The replaced migrations run on a throwaway database; the squashed migration is the baseline
of that database (:mod:`.baseline`), checked to build the same schema on another one, and
lists what it ``replaces``. Data cannot be squashed: a replaced migration that wrote rows
is named in a ``# TODO`` and a warning. On the database the command runs against, where all
of them are applied, the squashed one takes their place at once (see
:mod:`.fold`); elsewhere, at the next run.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from ..files.discovery import MigrationFile, discover, find_target
from ..files.naming import normalize_new_name
from ..manager import MigrationManager
from ..progress import Progress
from ..runtime.connection import run_connection
from ..states import APPLIED
from ..testing.throwaway import throwaway_database
from ..urls import safe_url
from .baseline import Baseline, build_baseline
from .live_schema import AdoptionRefused

_WRITES = ("insert", "update", "delete", "merge", "copy")


@dataclass(frozen=True)
class SquashPlan:
    """What squashing will write, replace and record; nothing has changed yet."""

    database: str
    replaces: tuple[str, ...]
    #: The replaced migrations that wrote rows: their data is not in the squashed one.
    data_steps: tuple[str, ...]
    baseline: Baseline
    #: The squashed migration's stem: the date and place of the last one it replaces.
    stem: str
    #: The batches the replaced migrations were applied in; the squashed one takes the
    #: first, so rolling it back undoes all of them at once.
    batches: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "squashed": self.stem,
            "replaces": list(self.replaces),
            "data_steps": list(self.data_steps),
            "differences": list(self.baseline.differences),
            "verified": self.baseline.verified,
            "batches": list(self.batches),
        }


def plan_squash(
    manager: MigrationManager, to: str | None = None, *, name: str = "squashed"
) -> SquashPlan:
    """Plan the squash of the applied migrations up to ``to`` (every applied one for None)."""
    description = normalize_new_name(name)
    files = discover(manager.migrations_dir)
    database = safe_url(manager.engine.url)
    with manager.connect() as run:
        conn = run.conn
        records = manager.tracking.read(conn)
    stuck = [r.name for r in records if r.state != APPLIED]
    if stuck:
        raise AdoptionRefused(
            f"{', '.join(stuck)} failed or is running: repair it first (migrate:repair). "
            "Nothing was squashed."
        )
    applied = {r.name for r in records}
    last = find_target(files, to) if to else _last_applied(files, applied)
    replaced = [f for f in files if f.parsed.sort_key <= last.parsed.sort_key]
    pending = [f.name for f in replaced if f.name not in applied]
    if pending:
        raise AdoptionRefused(
            f"migrate:squash replaces applied migrations only, and {', '.join(pending)} "
            f"{'is' if len(pending) == 1 else 'are'} pending on {database}: run flask migrate "
            "first, or squash --to an earlier migration. Nothing was squashed."
        )
    if len(replaced) < 2:
        raise AdoptionRefused(
            "migrate:squash needs two applied migrations or more to replace. Nothing was squashed."
        )
    parsed = last.parsed
    sequence = f"_{parsed.sequence:02d}" if parsed.sequence > 1 else ""
    stem = f"{parsed.date}{sequence}_{description}"
    names = tuple(f.name for f in replaced)
    with throwaway_database(manager.engine.url) as throwaway:
        data_steps = _run_watching_writes(replaced, throwaway.engine, manager.tracking.name)
        notes = tuple(
            f"Not squashed: {step} wrote rows, which this migration does not: seed them "
            "another way if a new database needs them."
            for step in data_steps
        )
        with run_connection(throwaway.engine) as built:
            baseline = build_baseline(
                built,
                name=description,
                migrations_dir=manager.migrations_dir,
                tracking_table=manager.tracking.name,
                origin=f"Written by migrate:squash: it replaces {len(names)} migrations, up to "
                f"{last.name}.",
                class_lines=("replaces = [", *[f'    "{n}",' for n in names], "]"),
                notes=notes,
            )
    batches = tuple(sorted({r.batch for r in records if r.name in names}))
    return SquashPlan(database, names, data_steps, baseline, stem, batches)


def squash(manager: MigrationManager, plan: SquashPlan, *, keep: bool = False) -> Path:
    """Write the squashed migration, move the replaced files away, and let it take their
    place on ``manager``'s database; everything is put back if that fails."""
    if plan.baseline.differences:
        raise AdoptionRefused(
            "The squashed migration does not build the schema the replaced ones do, so "
            "nothing was squashed:\n" + "\n".join(f"  {line}" for line in plan.baseline.differences)
        )
    directory = manager.migrations_dir
    path = directory / f"{plan.stem}.py"
    with path.open("x", encoding="utf-8") as handle:
        handle.write(plan.baseline.render(dataclasses.replace(plan.baseline.new, stem=plan.stem)))
    kept = directory / "squashed"
    moved: list[tuple[Path, Path]] = []
    try:
        kept.mkdir(exist_ok=True)
        for name in plan.replaces:
            old = directory / f"{name}.py"
            moved.append((old, kept / old.name))
            shutil.move(old, kept / old.name)
        manager.run_migrations(plan.stem)
    except BaseException:
        for old, new in reversed(moved):
            shutil.move(new, old)
        path.unlink(missing_ok=True)
        raise
    if not keep:
        for _, new in moved:
            new.unlink()
        if not any(kept.iterdir()):
            kept.rmdir()
    return path


def _last_applied(files: list[MigrationFile], applied: set[str]) -> MigrationFile:
    done = [f for f in files if f.name in applied]
    if not done:
        raise AdoptionRefused("No migration is applied here: there is nothing to squash.")
    return done[-1]


def _run_watching_writes(
    files: list[MigrationFile], engine: Engine, tracking_table: str
) -> tuple[str, ...]:
    """Run ``files`` on the empty database of ``engine``; the names of those that wrote rows."""
    current: list[str] = []
    wrote: list[str] = []

    def started(progress: Progress) -> None:
        if progress.event == "start":
            current[:] = [progress.name]

    def watch(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        words = statement.lstrip().split(None, 3)
        verb = words[0].lower() if words else ""
        # Batch mode's table copy on SQLite (_alembic_tmp_...) moves rows, it writes none.
        ours = tracking_table in statement or "_alembic_tmp_" in statement
        writes = verb in _WRITES and not ours
        if writes and current and current[0] not in wrote:
            wrote.append(current[0])

    with tempfile.TemporaryDirectory(prefix="hgm_squash_") as directory:
        for file in files:
            shutil.copy(file.path, Path(directory, file.path.name))
        event.listen(engine, "before_cursor_execute", watch)
        try:
            MigrationManager(
                directory, engine=engine, table=tracking_table, progress=started
            ).run_migrations()
        finally:
            event.remove(engine, "before_cursor_execute", watch)
    return tuple(wrote)
