"""The raw floor: the benchmark's N statements from a plain SQLAlchemy script.

``python floor.py up N`` runs ``CREATE TABLE t_1 .. t_N`` and ``python floor.py down N`` the
``DROP TABLE`` statements in reverse, one transaction each, on ``BENCH_DATABASE_URL``. Nothing
is tracked and no file is read: no migration tool can do the same work for less.
"""

from __future__ import annotations

import os
import sys

from sqlalchemy import create_engine, text


def main(direction: str, n: int) -> None:
    engine = create_engine(os.environ["BENCH_DATABASE_URL"])
    if direction == "up":
        statements = [
            f"CREATE TABLE t_{i} (id INTEGER PRIMARY KEY, name VARCHAR(50))"
            for i in range(1, n + 1)
        ]
    else:
        statements = [f"DROP TABLE t_{i}" for i in range(n, 0, -1)]
    with engine.connect() as conn:
        for statement in statements:
            with conn.begin():
                conn.execute(text(statement))
    engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
