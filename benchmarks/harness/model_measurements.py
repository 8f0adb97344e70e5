"""Measurements 6 and 7: ``migrate:make --autogenerate`` and ``migrate:check`` against
``flask db migrate`` and ``flask db check``, with every migration applied and the tables of
the models left, so that both tools find nothing to change."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import create_engine, text

from .measurements import APP_FLOOR, HARNESS, Case, CommandFailed, _Run, flask, run_process
from .projects import Project, model_tables
from .results import APP, FLASK_MIGRATE, FLOOR, HEROGOLD

#: The app built with its models (see projects.MODEL_TABLES).
WITH_MODELS = {"BENCH_MODELS": "1"}


def _keep_model_tables(url: str, n: int) -> None:
    """Drop the tables no model describes: both tools then compare the same schema, with
    every migration applied, and find nothing to change."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for i in range(model_tables(n) + 1, n + 1):
                conn.execute(text(f"DROP TABLE t_{i}"))
    finally:
        engine.dispose()


def _models_runs(case: Case) -> dict[str, tuple[str, _Run]]:
    """measurement -> (contender, run): what autogenerate and the check cost each tool."""
    ours, peer = _models_projects(case)
    ours, peer = ours.root, peer.root
    return {
        "autogenerate herogold": (
            HEROGOLD,
            (flask("migrate:make", "bench", "--autogenerate"), ours),
        ),
        "autogenerate flask_migrate": (FLASK_MIGRATE, (flask("db", "migrate"), peer)),
        "check herogold": (HEROGOLD, (flask("migrate:check"), ours)),
        "check flask_migrate": (FLASK_MIGRATE, (flask("db", "check"), peer)),
        "models_app app": (APP, (APP_FLOOR, ours)),
        "compare floor": (FLOOR, ([str(HARNESS / "compare_floor.py")], ours)),
    }


def _models_projects(case: Case) -> tuple[Project, Project]:
    """The projects whose migrations use schema operations, as generated ones do: their
    keys are NOT NULL as the models' are (SQLite reflects a bare "INTEGER PRIMARY KEY" as
    nullable, which Alembic reports as a change)."""
    ours = case.herogold_schema or case.herogold
    peer = case.flask_migrate_schema or case.flask_migrate
    return ours, peer


def run_models_case(case: Case, repeat: int, progress: Callable[[str], None] = print) -> None:
    """6-7. With every migration applied and the models' tables left, autogenerate and the
    check against ``flask db migrate`` and ``flask db check``: both find no change."""
    ours, peer = _models_projects(case)
    urls = {c: case.databases.create(c) for c in (HEROGOLD, FLASK_MIGRATE)}
    try:
        run_process(flask("migrate"), ours.root, urls[HEROGOLD])
        run_process(flask("db", "upgrade"), peer.root, urls[FLASK_MIGRATE])
        for url in urls.values():
            _keep_model_tables(url, case.n)
        urls[APP] = urls[FLOOR] = urls[HEROGOLD]
        runs = _models_runs(case)
        before = sorted(peer.migrations_dir.glob("*.py"))
        for rep in range(repeat):
            progress(f"  {case.kind}, N = {case.n:,}, models: repetition {rep + 1}/{repeat}")
            for quick in range(case.quick_runs):
                order = list(runs.items())
                shift = (rep * case.quick_runs + quick) % len(order)
                for key, (contender, (args, cwd)) in order[shift:] + order[:shift]:
                    seconds, out = run_process(args, cwd, urls[contender], WITH_MODELS)
                    if key == "autogenerate herogold" and "No changes" not in out:
                        raise CommandFailed(f"migrate:make --autogenerate found changes: {out}")
                    if key == "compare floor" and out.strip() != "0":
                        raise CommandFailed(f"Alembic's comparison found differences: {out}")
                    case.record(key.split()[0], contender, seconds)
        if sorted(peer.migrations_dir.glob("*.py")) != before:
            raise CommandFailed("flask db migrate wrote a migration: it found changes")
        if list(ours.migrations_dir.glob("*_bench.py")):
            raise CommandFailed("migrate:make --autogenerate wrote a migration")
    finally:
        for contender in (HEROGOLD, FLASK_MIGRATE):
            case.databases.drop(urls[contender])
