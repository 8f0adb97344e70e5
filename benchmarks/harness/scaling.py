"""Issue 28's figures: the startup check at 1,000 and 10,000 applied migrations, and
``migrate:test`` over 100 one-table migrations on PostgreSQL and MariaDB.

The startup check is measured on migrations that do nothing (``up()`` passes), applied with
``--single-transaction``: what grows with N is then the history alone, not the schema (on
SQLite the first statement of a connection parses every table, a cost of the app's schema
that any first query pays, and 10,000 tables would not fit PostgreSQL's lock table in one
transaction). The two sizes alternate round by round, and the ratio is taken round by round.

``migrate:test`` runs as a whole process against the server (it makes its throwaway database
beside the one named); its floor is the same 300 statements (each migration's ``up()``,
``down()`` and ``up()`` again) from a plain SQLAlchemy script on a new database, one
transaction each.
"""

from __future__ import annotations

import json
import resource
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

from sqlalchemy import create_engine, make_url

from . import projects
from .databases import Databases
from .measurements import HARNESS, _probe, flask, run_process

SIZES = (1000, 10_000)
TEST_MIGRATIONS = 100
DEFAULT_MARIADB_URL = "mysql+pymysql://root@127.0.0.1:3306/test"


@dataclass
class Figures:
    """Every figure of this module, by name, in run order."""

    values: dict[str, list[float]] = field(default_factory=dict)

    def add(self, name: str, value: float) -> None:
        self.values.setdefault(name, []).append(value)

    def median(self, name: str) -> float | None:
        found = self.values.get(name)
        return median(found) if found else None


def measure_startup_scaling(
    work: Path, factories: list[Databases], rounds: int, iterations: int, figures: Figures
) -> None:
    made = {n: projects.make_herogold(work / f"startup{n}", n, "noop") for n in SIZES}
    for project in made.values():
        projects.precompile(project)
    for databases in factories:
        urls = {n: databases.create(f"startup{n}") for n in SIZES}
        try:
            for n, url in urls.items():
                run_process(flask("migrate", "--single-transaction"), made[n].root, url)
            for round_ in range(rounds):
                per_size = {}
                for n in SIZES if round_ % 2 == 0 else reversed(SIZES):
                    timings = _probe(made[n], urls[n], iterations, warmup=3)
                    per_size[n] = median(timings["with"]) - median(timings["without"])
                    figures.add(f"startup {databases.kind} {n}", per_size[n])
                figures.add(
                    f"startup {databases.kind} ratio", per_size[SIZES[1]] / per_size[SIZES[0]]
                )
        finally:
            for url in urls.values():
                databases.drop(url)


def measure_migrate_test(
    work: Path, servers: dict[str, str], repeat: int, figures: Figures
) -> None:
    project = projects.make_herogold(work / "migrate_test", TEST_MIGRATIONS)
    projects.precompile(project)
    command = ["-m", "flask_herogold_migrate", "migrate:test", "--dir", str(project.migrations_dir)]
    for kind, url in servers.items():
        for _ in range(repeat):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            seconds, out = run_process([*command, "--database-url", url], project.root, url)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if "Every check passed" not in out:
                raise RuntimeError(f"migrate:test did not pass on {kind}: {out[-500:]}")
            figures.add(f"migrate:test {kind}", seconds)
            cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
            figures.add(f"migrate:test {kind} cpu", cpu)
            figures.add(f"migrate:test {kind} floor", _test_floor(url))


def measure_round_trips(work: Path, factories: list[Databases], figures: Figures) -> None:
    """Round trips per step of an apply and a roll back, and the floor's (see
    ``round_trips.py``): counted once, as they do not vary from run to run."""
    for databases in factories:
        with databases.fresh("round_trips") as url:
            _, out = run_process([str(HARNESS / "round_trips.py"), url, "20"], work, url)
        for name, value in json.loads(out).items():
            figures.add(f"round trips {databases.kind} {name}", value)


def _test_floor(server_url: str) -> float:
    """Each migration's statements as the check runs them (up, down, up), on a new database."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"bench_floor_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        engine = create_engine(make_url(server_url).set(database=name))
        try:
            started = time.perf_counter()
            with engine.connect() as conn:
                for i in range(1, TEST_MIGRATIONS + 1):
                    for sql in (
                        projects.create_sql(i),
                        projects.drop_sql(i),
                        projects.create_sql(i),
                    ):
                        with conn.begin():
                            conn.exec_driver_sql(sql)
            return time.perf_counter() - started
        finally:
            engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        admin.dispose()


def _cell(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    return f"{value * 1000:.2f} ms" if unit == "ms" else f"{value:.2f} {unit}".rstrip()


def report(
    figures: Figures,
    ratios: list[tuple[str, float | None, float]],
    context: Sequence[tuple[str, float | None]] = (),
) -> tuple[str, bool]:
    """The Markdown section of issue 28's targets, and whether one failed. ``ratios``: the
    targets read from the main measurements, as (what, ratio, at most); ``context``: ratios
    shown beside them, which set no target."""
    lines = [
        "## Issue 28",
        "",
        "| Measurement | Figure | Target | Verdict |",
        "|---|---|---|---|",
    ]
    failed = False

    def verdict(value: float | None, limit: float) -> str:
        nonlocal failed
        if value is None:
            return "n/a"
        ok = value <= limit
        failed = failed or not ok
        return "PASS" if ok else "FAIL"

    for kind in ("sqlite", "postgresql"):
        small, large = (figures.median(f"startup {kind} {n}") for n in SIZES)
        ratio = figures.median(f"startup {kind} ratio")
        if ratio is None:
            continue
        lines.append(
            f"| startup check, {kind}, 1,000 / 10,000 applied | {_cell(small, 'ms')} / "
            f"{_cell(large, 'ms')}, ratio {ratio:.2f} | at most 1.5 | {verdict(ratio, 1.5)} |"
        )
    for what, value, limit in ratios:
        figure = "-" if value is None else f"{value:.2f}"
        lines.append(f"| {what} | {figure} | at most {limit:g} | {verdict(value, limit)} |")
    for what, value in context:
        lines.append(f"| {what} | {'-' if value is None else f'{value:.2f}'} | (context) | - |")
    for kind in ("sqlite", "postgresql"):
        counts = [
            figures.median(f"round trips {kind} {name}")
            for name in (
                "apply per step",
                "roll back per step",
                "floor apply per step",
                "floor roll back per step",
            )
        ]
        if None not in counts:
            unit = "round trips" if kind == "postgresql" else "calls into the driver"
            lines.append(
                f"| {unit} per step, {kind}: apply / roll back | "
                f"{counts[0]:.1f} / {counts[1]:.1f} (floor {counts[2]:.0f} / {counts[3]:.0f}) "
                "| (reported) | - |"
            )
    for kind in ("postgresql", "mariadb"):
        wall = figures.median(f"migrate:test {kind}")
        if wall is None:
            continue
        cpu = figures.median(f"migrate:test {kind} cpu")
        floor = figures.median(f"migrate:test {kind} floor")
        lines.append(
            f"| migrate:test, 100 one-table migrations, {kind} | {_cell(wall, 's')} (CPU "
            f"{_cell(cpu, 's')}; the statements alone {_cell(floor, 's')}) | at most 5 s "
            f"| {verdict(wall, 5.0)} |"
        )
    return "\n".join(lines) + "\n", failed
