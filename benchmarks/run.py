"""Benchmark flask-herogold-migrate against Flask-Migrate (Alembic) and the raw floor.

For each N it generates the same N trivial migrations for both tools (migration i creates
table ``t_i``, its down drops it), then times on SQLite (a file) and PostgreSQL:

1. applying all N on an empty database (``flask migrate`` / ``flask db upgrade``), and again
   with the N migrations written with schema operations (``schema(session).create_table`` /
   ``op.create_table``);
2. the no-op run with everything applied, as a whole process;
3. the startup check inside ``create_app()``, in process (``HEROGOLD_MIGRATE_AUTO``);
4. ``migrate:status`` / ``flask db current`` + ``flask db history``;
5. rolling everything back (``migrate:reset --force`` / ``flask db downgrade base``);
6. the floor: the same statements from a plain SQLAlchemy script, and
   ``python -c "import flask, flask_sqlalchemy"``;
7. with everything applied and the tables of 50 models left, ``migrate:make --autogenerate``
   and ``migrate:check`` against ``flask db migrate`` and ``flask db check`` (no change to
   find), over the bare app built with its models.

The contenders alternate run by run; each figure is the median over ``--repeat`` runs with
its range, and each ratio is taken run by run. Needs the bench extra:
``pip install -e ".[bench]"``. Example: ``python benchmarks/run.py --n 1000 --repeat 5``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from harness import measurements, model_measurements, projects, report, scaling
from harness.databases import DEFAULT_POSTGRESQL_URL, PostgreSQLDatabases, SQLiteDatabases
from harness.results import Results, rows, targets

HERE = Path(__file__).resolve().parent


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--n",
        action="append",
        metavar="N[,N...]",
        help="Number of migrations; repeat the option or give a comma list (default: 100,1000).",
    )
    parser.add_argument(
        "--include-5000", action="store_true", help="Also run N = 5,000 (slow: minutes)."
    )
    parser.add_argument(
        "--database",
        default="both",
        metavar="{sqlite,postgresql,both,URL}",
        help="Where to run: sqlite, postgresql, both (default), or a PostgreSQL URL whose "
        "server is used (it needs the right to CREATE DATABASE).",
    )
    parser.add_argument(
        "--postgresql-url",
        default=DEFAULT_POSTGRESQL_URL,
        help=f"PostgreSQL server to create the databases on (default: {DEFAULT_POSTGRESQL_URL}).",
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="Runs of each measurement (default: 5)."
    )
    parser.add_argument(
        "--startup-iterations",
        type=int,
        default=30,
        help="create_app() calls per startup probe, with and without the check (default: 30).",
    )
    parser.add_argument(
        "--quick-runs",
        type=int,
        default=3,
        help="No-op and status runs per repetition, alternating (default: 3).",
    )
    parser.add_argument(
        "--single-transaction",
        action="store_true",
        help="Apply and roll back with our --single-transaction, Alembic's default mode: the "
        "whole run commits once (the targets are set for the default, a commit per migration).",
    )
    parser.add_argument(
        "--models-only",
        action="store_true",
        help="Only measure autogenerate and the check against db migrate and db check "
        "(6 and 7), with the models' 50 tables.",
    )
    parser.add_argument(
        "--issue-28",
        choices=("with", "only", "skip"),
        default="with",
        help="Issue 28's figures (the startup check at 1,000 and 10,000 applied migrations, "
        "migrate:test over 100 migrations on PostgreSQL and MariaDB): with the rest "
        "(default), only them, or skip them.",
    )
    parser.add_argument(
        "--mariadb-url",
        default=scaling.DEFAULT_MARIADB_URL,
        help="MariaDB server for migrate:test, or 'none' (default: %(default)s).",
    )
    parser.add_argument(
        "--no-models",
        action="store_true",
        help="Leave out autogenerate and the check (6 and 7).",
    )
    parser.add_argument("--output", type=Path, help="Write the Markdown report to this file.")
    parser.add_argument(
        "--rst", type=Path, help="Also write the table as a reStructuredText list-table."
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=HERE / "_work",
        help="Where the generated projects and SQLite files go (default: benchmarks/_work).",
    )
    parser.add_argument("--keep", action="store_true", help="Keep the generated projects.")
    parser.add_argument("-v", "--verbose", action="store_true", help="Print every timing.")
    args = parser.parse_args(argv)
    sizes = {int(n) for option in (args.n or ["100,1000"]) for n in option.split(",") if n}
    if args.include_5000:
        sizes.add(5000)
    if not sizes or min(sizes) < 1:
        parser.error("--n needs positive numbers")
    args.sizes = sorted(sizes)
    if "://" in args.database:
        args.postgresql_url, args.database = args.database, "postgresql"
    if args.database not in ("sqlite", "postgresql", "both"):
        parser.error("--database must be sqlite, postgresql, both or a PostgreSQL URL")
    if min(args.repeat, args.startup_iterations, args.quick_runs) < 1:
        parser.error("--repeat, --startup-iterations and --quick-runs must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = args.work_dir / f"run-{time.strftime('%Y%m%d-%H%M%S')}"
    work.mkdir(parents=True)
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    factories = []
    if "sqlite" in kinds:
        factories.append(SQLiteDatabases(work / "databases"))
    if "postgresql" in kinds:
        factories.append(PostgreSQLDatabases(args.postgresql_url))
    info = report.machine([f.server_version() for f in factories])
    load_before = report.load_average()
    results = Results()
    figures = scaling.Figures()
    started = time.perf_counter()
    try:
        for n in args.sizes if args.issue_28 != "only" else ():
            print(f"Generating {n:,} migrations for each tool ...", flush=True)
            root = work / f"n{n}"
            dummy = {"BENCH_DATABASE_URL": f"sqlite:///{work / 'init.db'}"}
            env = {**measurements._env(""), **dummy}
            herogold = projects.make_herogold(root / "herogold", n)
            peer = projects.make_flask_migrate(root / "flask_migrate", n, env)
            herogold_schema = projects.make_herogold(root / "herogold_schema", n, "schema")
            peer_schema = projects.make_flask_migrate(
                root / "flask_migrate_schema", n, env, "schema"
            )
            for project in (herogold, peer, herogold_schema, peer_schema):
                projects.precompile(project)
            for databases in factories:
                case = measurements.Case(
                    databases,
                    herogold,
                    peer,
                    results,
                    herogold_schema=herogold_schema,
                    flask_migrate_schema=peer_schema,
                    startup_iterations=args.startup_iterations,
                    quick_runs=args.quick_runs,
                    single_transaction=args.single_transaction,
                    verbose=args.verbose,
                )
                measurements.warm_up(case)
                if not args.models_only:
                    measurements.run_case(case, args.repeat)
                if not args.no_models:
                    model_measurements.run_models_case(case, args.repeat)
        if args.issue_28 != "skip":
            print("Issue 28: the startup check at 1,000 and 10,000 ...", flush=True)
            scaling.measure_startup_scaling(
                work, factories, args.repeat, args.startup_iterations, figures
            )
            servers = {"postgresql": args.postgresql_url} if "postgresql" in kinds else {}
            if args.mariadb_url != "none":
                servers["mariadb"] = args.mariadb_url
            print("Issue 28: round trips per step ...", flush=True)
            scaling.measure_round_trips(work, factories, figures)
            print("Issue 28: migrate:test ...", flush=True)
            scaling.measure_migrate_test(work, servers, args.repeat, figures)
    finally:
        for databases in factories:
            databases.close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    elapsed = time.perf_counter() - started
    mode = (
        "flask-herogold-migrate applied and rolled back with --single-transaction (one commit "
        "per run, as Alembic), while the targets are set for its default, a commit per "
        "migration. "
        if args.single_transaction
        else ""
    )
    note = (
        f"{mode}Median of {args.repeat} alternating runs ({args.repeat * args.quick_runs} for the "
        "no-op and status runs), (min - max) in brackets; ratios are taken run by run. "
        f"Load average (1/5/15 min) {load_before} before, {report.load_average()} after; "
        f"the run took {elapsed / 60:.1f} min."
    )
    table_rows = rows(results)
    text = report.markdown(results, table_rows, info, note)
    issue_28, issue_28_failed = "", False
    if args.issue_28 != "skip":
        issue_28, issue_28_failed = scaling.report(
            figures, _issue_28_ratios(results), _issue_28_context(results)
        )
        text += "\n" + issue_28
    print()
    print(text)
    if args.output:
        args.output.write_text(text)
        print(f"Written to {args.output}")
    if args.rst:
        args.rst.write_text(report.rst_table(table_rows))
        print(f"Table written to {args.rst}")
    return 1 if issue_28_failed or any(t.verdict == "FAIL" for t in targets(results)) else 0


def _issue_28_ratios(results: Results) -> list[tuple[str, float | None, float]]:
    """Issue 28's targets on the apply and roll back of N = 1,000, run by run."""
    from harness.results import FLASK_MIGRATE, FLOOR, HEROGOLD

    def ratio(kind: str, measurement: str, other: str) -> float | None:
        ours = results.series(kind, 1000, measurement, HEROGOLD)
        theirs = results.series(kind, 1000, measurement, other)
        return None if ours is None or theirs is None else (ours / theirs).median

    found: list[tuple[str, float | None, float]] = [
        (
            "apply 1,000, postgresql, over Flask-Migrate",
            ratio("postgresql", "apply", FLASK_MIGRATE),
            1.0,
        ),
        ("apply 1,000, postgresql, over the floor", ratio("postgresql", "apply", FLOOR), 1.25),
    ]
    for kind in ("sqlite", "postgresql"):
        found.append(
            (f"roll back all 1,000, {kind}, over the floor", ratio(kind, "reset", FLOOR), 1.25)
        )
    return [entry for entry in found if entry[1] is not None]


def _issue_28_context(results: Results) -> list[tuple[str, float | None]]:
    """The same runs over the floor with the product's guarantees (``floor_guarantees.py``):
    what our code costs beyond what any tool keeping them must do."""
    from harness.results import FLOOR, GUARANTEES, HEROGOLD

    found = []
    for kind in ("sqlite", "postgresql"):
        for measurement, label in (("apply", "apply 1,000"), ("reset", "roll back all 1,000")):
            ours = results.series(kind, 1000, measurement, HEROGOLD)
            theirs = results.series(kind, 1000, measurement, GUARANTEES)
            floor = results.series(kind, 1000, measurement, FLOOR)
            if ours is None or theirs is None or floor is None:
                continue
            found.append(
                (f"{label}, {kind}, over the floor with the guarantees", (ours / theirs).median)
            )
            found.append(
                (
                    f"{label}, {kind}: the floor with the guarantees over the floor",
                    (theirs / floor).median,
                )
            )
    return found


if __name__ == "__main__":
    sys.exit(main())
