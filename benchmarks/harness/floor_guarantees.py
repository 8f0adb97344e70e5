"""The floor with the product's guarantees: what any tool that gives them must do, nothing more.

``python floor_guarantees.py up|down N`` runs, in the benchmark project's directory, what the
raw floor runs (``floor.py``), plus only what the product promises and so cannot leave out:

- the app is a Flask app: the project's ``create_app()`` is imported and called, without the
  migration extension;
- each migration is a file: the N files are imported (from their bytecode, as Python does);
- each migration gets a SQLModel session on the step's connection, and runs its statement
  through it;
- each migration is recorded in the tracking table in its own transaction, with the step.

No lock, no plan, no check, no progress: the difference between our run and this is what our
code costs beyond its guarantees.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from sqlalchemy import text


def main(direction: str, n: int) -> None:
    sys.path.insert(0, os.getcwd())
    import app as project  # the benchmark project's app module

    flask_app = project.create_app(extension=False)
    from sqlmodel import Session

    files = sorted(Path("migrations").glob("*.py"))[:n]
    steps = []
    for number, path in enumerate(files):
        spec = importlib.util.spec_from_file_location(f"floor_migration_{number}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        steps.append((path.stem, module))
    with flask_app.app_context():
        engine = project.db.engine
        sqlite = engine.dialect.name == "sqlite"
        with engine.connect() as conn:
            if direction == "up":
                conn.execute(text("CREATE TABLE floor_tracking (name VARCHAR(255) PRIMARY KEY)"))
                conn.commit()
            for name, module in steps if direction == "up" else reversed(steps):
                migration = next(
                    value
                    for value in vars(module).values()
                    if isinstance(value, type)
                    and hasattr(value, "up")
                    and value.__module__ == module.__name__
                )()
                with conn.begin():
                    if sqlite:  # the driver would not begin before DDL: the step and its row
                        conn.exec_driver_sql("BEGIN")  # must commit together
                    session = Session(bind=conn, join_transaction_mode="rollback_only")
                    (migration.up if direction == "up" else migration.down)(session)
                    session.close()
                    if direction == "up":
                        conn.execute(
                            text("INSERT INTO floor_tracking (name) VALUES (:name)"),
                            {"name": name},
                        )
                    else:
                        conn.execute(
                            text("DELETE FROM floor_tracking WHERE name = :name"), {"name": name}
                        )
            if direction == "down":
                conn.execute(text("DROP TABLE floor_tracking"))
                conn.commit()
        engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
