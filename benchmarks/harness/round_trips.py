"""Round trips a step costs: what applying and rolling back one migration sends the server.

``python round_trips.py URL [N]`` applies, then rolls back, N one-table migrations (default
20) with ``MigrationManager`` in this process, and the floor's statements (each in its own
transaction), on ``URL``, an empty database, and prints one JSON object: per step, the round
trips of each. On PostgreSQL every query libpq sends is one round trip; psycopg's pure-Python
implementation (``PSYCOPG_IMPL=python``, which this script sets) lets each be counted, the
implicit BEGIN and a COMMIT sent with its statement included. SQLite has no server: there
the count is the calls into the driver (statements, commits).

Run it under another checkout's interpreter (or ``PYTHONPATH``) to count an older version.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

os.environ["PSYCOPG_IMPL"] = "python"

from sqlalchemy import create_engine, event, text

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from harness import projects  # noqa: E402

_COUNTED = (
    "exec_",
    "exec_params",
    "exec_prepared",
    "send_query",
    "send_query_params",
    "send_query_prepared",
    "send_prepare",
    "send_describe_portal",
    "send_describe_prepared",
)


class Counter:
    """Counts what reaches the driver while :attr:`on` is set."""

    def __init__(self, url: str) -> None:
        self.count = 0
        self.on = False
        self.engine = create_engine(url)
        if self.engine.dialect.name == "postgresql":
            self._count_libpq()
        else:
            event.listen(self.engine, "before_cursor_execute", self._one)
            event.listen(self.engine, "commit", self._one)

    def _one(self, *args: object) -> None:
        if self.on:
            self.count += 1

    def _count_libpq(self) -> None:
        from psycopg import pq

        for name in _COUNTED:
            original = getattr(pq.PGconn, name)

            def counted(pgconn: object, *args: object, _original=original, **kwargs: object):
                self._one()
                return _original(pgconn, *args, **kwargs)

            setattr(pq.PGconn, name, counted)

    def measure(self, work) -> int:
        self.count, self.on = 0, True
        try:
            work()
        finally:
            self.on = False
        return self.count


def _floor(counter: Counter, statements: list[str]) -> int:
    def run() -> None:
        with counter.engine.connect() as conn:
            for statement in statements:
                with conn.begin():
                    conn.execute(text(statement))

    return counter.measure(run)


def main(url: str, n: int) -> dict[str, float]:
    from flask_herogold_migrate import MigrationManager

    counter = Counter(url)
    with tempfile.TemporaryDirectory() as work:
        project = projects.make_herogold(Path(work) / "project", n)
        manager = MigrationManager(project.migrations_dir, engine=counter.engine)
        first = min(path.stem for path in project.migrations_dir.glob("*.py"))
        manager.run_migrations(first)  # the tracking table made, outside the count
        manager.rollback()
        up = counter.measure(manager.run_migrations)
        down = counter.measure(manager.reset)
        # Each run's fixed cost (the lock, reading the rows) apart: one step's worth counted
        # again with a run of one step, subtracted.
        one_up = counter.measure(lambda: manager.run_migrations(first))
        one_down = counter.measure(manager.rollback)
    floor_up = _floor(counter, [projects.create_sql(i) for i in range(1, n + 1)])
    floor_down = _floor(counter, [projects.drop_sql(i) for i in range(n, 0, -1)])
    counter.engine.dispose()
    return {
        "apply per step": (up - one_up) / (n - 1),
        "roll back per step": (down - one_down) / (n - 1),
        "run of one step, apply": one_up,
        "floor apply per step": floor_up / n,
        "floor roll back per step": floor_down / n,
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20)))
