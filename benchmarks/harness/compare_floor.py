"""The floor of a comparison built on Alembic: the app with its models, then Alembic's
``compare_metadata`` on the models' tables, and nothing else (no migration tool).

Run in the generated project's directory with ``BENCH_DATABASE_URL`` and ``BENCH_MODELS``
set; prints how many differences it found (0 expected).
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    sys.path.insert(0, os.getcwd())
    from app import create_app, db

    app = create_app(extension=False)
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with app.app_context():
        names = set(db.metadata.tables)
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                connection=conn,
                opts={
                    "compare_type": True,
                    "compare_server_default": True,
                    "include_name": lambda name, kind, _: kind != "table" or name in names,
                },
            )
            print(len(compare_metadata(context, db.metadata)))


if __name__ == "__main__":
    main()
