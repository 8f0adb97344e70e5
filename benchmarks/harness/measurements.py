"""The measurements: each runs the contenders alternately, one run each, on fresh databases.

One repetition of a case (a database kind and an N) goes: apply on three empty databases
(us, Flask-Migrate, the raw floor), then on those now fully migrated databases the no-op run,
status, the in-process startup check, and finally the roll back of everything. Then the apply
again, on three more empty databases, with the migrations written with schema operations.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, inspect

from .databases import Databases
from .projects import Project, alembic_revision
from .results import APP, FLASK_MIGRATE, FLOOR, GUARANTEES, HEROGOLD, Results

HARNESS = Path(__file__).resolve().parent
IMPORT_FLOOR = ["-c", "import flask, flask_sqlalchemy"]
# The same app without any migration tool: the import floor plus what create_app() costs,
# such as importing the database driver (psycopg is tens of milliseconds).
APP_FLOOR = ["-c", "from app import create_app; create_app(extension=False)"]


_Run = tuple[list[str], Path]  # a process's arguments and the directory it runs in


class CommandFailed(RuntimeError):
    pass


@dataclass
class Case:
    """One database kind and one N, with the two generated projects."""

    databases: Databases
    herogold: Project
    flask_migrate: Project
    results: Results
    #: The same migrations written with schema operations (``schema()``, ``op.create_table``).
    herogold_schema: Project | None = None
    flask_migrate_schema: Project | None = None
    startup_iterations: int = 30
    quick_runs: int = 3
    single_transaction: bool = False
    verbose: bool = False

    @property
    def write_options(self) -> tuple[str, ...]:
        """Our options for the timed writes."""
        return ("--single-transaction",) if self.single_transaction else ()

    @property
    def n(self) -> int:
        return self.herogold.n

    @property
    def kind(self) -> str:
        return self.databases.kind

    def record(self, measurement: str, contender: str, seconds: float) -> None:
        self.results.add(self.kind, self.n, measurement, contender, seconds)
        if self.verbose:
            print(f"    {measurement:<15} {contender:<14} {seconds * 1000:10.1f} ms", flush=True)


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "HEROGOLD_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a deployed app has its __pycache__
    env["BENCH_DATABASE_URL"] = url
    return env


def run_process(
    args: list[str], cwd: Path, url: str, extra_env: dict[str, str] | None = None
) -> tuple[float, str]:
    """Wall time of one whole ``python ...`` process, and its output."""
    argv = [sys.executable, *args]
    env = {**_env(url), **(extra_env or {})}
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise CommandFailed(
            f"{' '.join(argv)} (in {cwd}) exited with {done.returncode}:\n{done.stderr[-3000:]}"
        )
    return elapsed, done.stdout


def flask(*command: str) -> list[str]:
    return ["-m", "flask", "--app", "app", *command]


def floor(direction: str, n: int) -> list[str]:
    return [str(HARNESS / "floor.py"), direction, str(n)]


def guarantees_floor(direction: str, n: int) -> list[str]:
    return [str(HARNESS / "floor_guarantees.py"), direction, str(n)]


def count_tables(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return sum(1 for name in inspect(conn).get_table_names() if name.startswith("t_"))
    finally:
        engine.dispose()


def _expect_tables(url: str, expected: int, who: str) -> None:
    found = count_tables(url)
    if found != expected:
        raise CommandFailed(f"{who}: expected {expected} tables t_i, found {found}")


def _rotated(runs: dict[str, _Run], rep: int) -> list[tuple[str, _Run]]:
    """The contenders in an order that turns with each repetition, so none always goes first."""
    items = list(runs.items())
    shift = rep % len(items)
    return items[shift:] + items[:shift]


def _short_error(failure: CommandFailed) -> str:
    lines = [line for line in str(failure).splitlines() if "Error" in line]
    return (lines[-1] if lines else str(failure).splitlines()[-1]).strip()[:200]


def _peer_in_steps(case: Case, url: str, measurement: str) -> None:
    """Bring Flask-Migrate's database where one failed run should have, 1,000 revisions a run."""
    if measurement == "apply_schema":
        return  # nothing is measured on that database afterwards
    n, step = case.n, 1000
    if measurement == "apply":
        targets = [alembic_revision(k) for k in range(step, n, step)] + ["head"]
        command = "upgrade"
    else:
        targets = [alembic_revision(k) for k in range(n - step, 0, -step)] + ["base"]
        command = "downgrade"
    for target in targets:
        run_process(flask("db", command, target), case.flask_migrate.root, url)


def _timed_writes(
    case: Case,
    urls: dict[str, str],
    runs: dict[str, _Run],
    measurement: str,
    rep: int,
    expected_tables: int | None,
) -> None:
    for contender, (args, cwd) in _rotated(runs, rep):
        case.databases.settle()
        try:
            seconds, _ = run_process(args, cwd, urls[contender])
        except CommandFailed as failure:
            if contender != FLASK_MIGRATE:
                raise
            error = _short_error(failure)
            case.results.fail(case.kind, case.n, measurement, contender, error)
            print(f"    Flask-Migrate failed ({measurement}): {error}")
            _peer_in_steps(case, urls[contender], measurement)
        else:
            case.record(measurement, contender, seconds)
        if expected_tables is not None:
            _expect_tables(urls[contender], expected_tables, f"{measurement} by {contender}")


def measure_apply(case: Case, urls: dict[str, str], rep: int, check: bool) -> None:
    """1. Apply all N migrations on an empty database."""
    runs: dict[str, _Run] = {
        HEROGOLD: (flask("migrate", *case.write_options), case.herogold.root),
        FLASK_MIGRATE: (flask("db", "upgrade"), case.flask_migrate.root),
        FLOOR: (floor("up", case.n), case.herogold.root),
        GUARANTEES: (guarantees_floor("up", case.n), case.herogold.root),
    }
    _timed_writes(case, urls, runs, "apply", rep, case.n if check else None)


def measure_apply_schema(case: Case, urls: dict[str, str], rep: int, check: bool) -> None:
    """1b. Apply all N written with schema operations, on three more empty databases."""
    assert case.herogold_schema is not None and case.flask_migrate_schema is not None
    runs: dict[str, _Run] = {
        HEROGOLD: (flask("migrate", *case.write_options), case.herogold_schema.root),
        FLASK_MIGRATE: (flask("db", "upgrade"), case.flask_migrate_schema.root),
        FLOOR: (floor("up", case.n), case.herogold.root),
    }
    _timed_writes(case, urls, runs, "apply_schema", rep, case.n if check else None)


def measure_noop(case: Case, urls: dict[str, str]) -> None:
    """2. The whole no-op process when everything is applied, and the bare-import floor."""
    seconds, out = run_process(flask("migrate"), case.herogold.root, urls[HEROGOLD])
    if "Nothing to migrate" not in out:
        raise CommandFailed(f"flask migrate was not a no-op: {out[:300]}")
    case.record("noop", HEROGOLD, seconds)
    seconds, _ = run_process(flask("db", "upgrade"), case.flask_migrate.root, urls[FLASK_MIGRATE])
    case.record("noop", FLASK_MIGRATE, seconds)
    seconds, _ = run_process(IMPORT_FLOOR, case.herogold.root, urls[HEROGOLD])
    case.record("noop", FLOOR, seconds)
    seconds, _ = run_process(APP_FLOOR, case.herogold.root, urls[HEROGOLD])
    case.record("noop", APP, seconds)


def measure_status(case: Case, urls: dict[str, str]) -> None:
    """4. ``migrate:status`` against ``flask db current`` and ``flask db history``."""
    seconds, out = run_process(flask("migrate:status"), case.herogold.root, urls[HEROGOLD])
    if out.count(" applied ") != case.n:
        raise CommandFailed(f"migrate:status does not list {case.n} applied migrations")
    case.record("status", HEROGOLD, seconds)
    peer_root, peer_url = case.flask_migrate.root, urls[FLASK_MIGRATE]
    seconds, _ = run_process(flask("db", "current"), peer_root, peer_url)
    case.record("status_current", FLASK_MIGRATE, seconds)
    seconds, _ = run_process(flask("db", "history"), peer_root, peer_url)
    case.record("status_history", FLASK_MIGRATE, seconds)


def _probe(project: Project, url: str, iterations: int, warmup: int) -> dict[str, list[float]]:
    args = [
        str(HARNESS / "startup_probe.py"),
        project.tool,
        f"--iterations={iterations}",
        f"--warmup={warmup}",
        f"--migrations-dir={project.migrations_dir}",
    ]
    _, out = run_process(args, project.root, url)
    timings: dict[str, list[float]] = json.loads(out)
    return timings


def measure_startup(case: Case, urls: dict[str, str]) -> None:
    """3. The check inside ``create_app()``, in process, over the same factory without it."""
    from statistics import median

    ours = _probe(case.herogold, urls[HEROGOLD], case.startup_iterations, warmup=3)
    case.record("startup", HEROGOLD, median(ours["with"]) - median(ours["without"]))
    case.record("startup", FLOOR, median(ours["without"]))
    case.record("startup_listdir", HEROGOLD, median(ours["listdir"]))
    # Alembic loads every revision file at each upgrade(): a few calls are enough.
    peer = _probe(case.flask_migrate, urls[FLASK_MIGRATE], iterations=3, warmup=1)
    case.record("startup", FLASK_MIGRATE, median(peer["with"]) - median(peer["without"]))


def measure_reset(case: Case, urls: dict[str, str], rep: int, check: bool) -> None:
    """5. Roll everything back."""
    runs: dict[str, _Run] = {
        HEROGOLD: (flask("migrate:reset", "--force", *case.write_options), case.herogold.root),
        FLASK_MIGRATE: (flask("db", "downgrade", "base"), case.flask_migrate.root),
        FLOOR: (floor("down", case.n), case.herogold.root),
        GUARANTEES: (guarantees_floor("down", case.n), case.herogold.root),
    }
    _timed_writes(case, urls, runs, "reset", rep, 0 if check else None)


def run_case(case: Case, repeat: int, progress: Callable[[str], None] = print) -> None:
    """Every measurement ``repeat`` times; the contenders alternate within each measurement."""
    for rep in range(repeat):
        progress(f"  {case.kind}, N = {case.n:,}: repetition {rep + 1}/{repeat}")
        urls = {c: case.databases.create(c) for c in (HEROGOLD, FLASK_MIGRATE, FLOOR, GUARANTEES)}
        try:
            check = rep == 0  # check the work once per case; it is not timed anyway
            measure_apply(case, urls, rep, check)
            # The no-op and status runs are short and noisy: take several per repetition.
            for _ in range(case.quick_runs):
                measure_noop(case, urls)
                measure_status(case, urls)
            measure_startup(case, urls)
            measure_reset(case, urls, rep, check)
            if case.herogold_schema is not None:
                for contender in urls:
                    case.databases.drop(urls[contender])
                    urls[contender] = case.databases.create(contender)
                measure_apply_schema(case, urls, rep, check)
        finally:
            for url in urls.values():
                case.databases.drop(url)


def warm_up(case: Case) -> None:
    """One untimed no-op of each tool, so file caches are as warm for the first run as later."""
    with case.databases.fresh("warmup") as url:
        run_process(flask("migrate:status"), case.herogold.root, url)
        run_process(flask("db", "history"), case.flask_migrate.root, url)
        if case.herogold_schema is not None and case.flask_migrate_schema is not None:
            run_process(flask("migrate:status"), case.herogold_schema.root, url)
            run_process(flask("db", "history"), case.flask_migrate_schema.root, url)
        run_process(IMPORT_FLOOR, case.herogold.root, url)
