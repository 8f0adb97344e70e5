"""Run in its own process: the in-process cost of a migration check inside ``create_app()``.

Everything is imported first; then ``create_app()`` is timed many times, alternating the
factory with the startup check and the same factory without the extension. Prints JSON.

``herogold``: ``create_app(auto=True)`` (``HEROGOLD_MIGRATE_AUTO``) against
``create_app(extension=False)``. ``flask_migrate``: what a Flask-Migrate user writes for the
same effect, ``create_app()`` followed by ``flask_migrate.upgrade()`` in an app context, against
``create_app(extension=False)``. The database must be fully migrated already.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any


def _herogold_factories(app_module: Any) -> tuple[Callable[[], Any], Callable[[], Any]]:
    def with_check() -> Any:
        return app_module.create_app(auto=True)

    def without() -> Any:
        return app_module.create_app(extension=False)

    return with_check, without


def _flask_migrate_factories(app_module: Any) -> tuple[Callable[[], Any], Callable[[], Any]]:
    import flask_migrate

    def with_check() -> Any:
        app = app_module.create_app()
        with app.app_context():
            flask_migrate.upgrade()
        return app

    def without() -> Any:
        return app_module.create_app(extension=False)

    return with_check, without


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("tool", choices=["herogold", "flask_migrate"])
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--migrations-dir", default="migrations")
    args = parser.parse_args()

    sys.path.insert(0, os.getcwd())
    app_module = importlib.import_module("app")
    factories = _herogold_factories if args.tool == "herogold" else _flask_migrate_factories
    with_check, without = factories(app_module)

    for _ in range(args.warmup):  # imports done lazily by the first calls happen here
        with_check()
        without()

    timings: dict[str, list[float]] = {"with": [], "without": [], "listdir": []}
    for _ in range(args.iterations):
        for key, factory in (("with", with_check), ("without", without)):
            started = time.perf_counter()
            app = factory()
            timings[key].append(time.perf_counter() - started)
            del app
        started = time.perf_counter()
        os.listdir(args.migrations_dir)
        timings["listdir"].append(time.perf_counter() - started)
    json.dump(timings, sys.stdout)


if __name__ == "__main__":
    main()
