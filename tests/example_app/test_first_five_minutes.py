"""The README's first steps, run as a newcomer runs them: ``flask --app example_app ...`` in a
shell, on the default SQLite file, with nothing set in the environment."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

import example_app

EXAMPLE_DIR = Path(example_app.__file__).parent


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of example_app/ without any instance folder: what a fresh clone has."""
    shutil.copytree(
        EXAMPLE_DIR,
        tmp_path / "example_app",
        ignore=shutil.ignore_patterns("instance", "__pycache__"),
    )
    return tmp_path


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name in ("DATABASE_URL", "HEROGOLD_MIGRATE_AUTO", "FLASK_APP", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    return dict(os.environ)


def flask_command(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "example_app", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str, deadline: float) -> dict:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.load(response)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_migrate_status_and_run_from_a_fresh_copy(checkout, clean_env):
    migrated = flask_command(checkout, clean_env, "migrate")
    status = flask_command(checkout, clean_env, "migrate:status")

    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout.splitlines()[-1] == "Applied 3 migrations."
    assert status.returncode == 0, status.stderr
    assert [line.split()[:3] for line in status.stdout.splitlines()[2:]] == [
        ["20250301_create_users_table", "applied", "1"],
        ["20250315_add_roles", "applied", "1"],
        ["20250315_02_add_users_created_at_index", "applied", "1"],
    ]
    assert (checkout / "example_app" / "instance" / "example.db").is_file()

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "example_app", "run", "--port", str(port)],
        cwd=checkout,
        env=clean_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        roles = get_json(f"http://127.0.0.1:{port}/roles", time.monotonic() + 30)
        users = get_json(f"http://127.0.0.1:{port}/users", time.monotonic() + 5)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert roles == {"roles": ["admin", "user", "guest"]}
    assert users == {"users": []}


def test_environment_sets_the_database_and_auto_run(clean_env, monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'from_env.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("HEROGOLD_MIGRATE_AUTO", "1")

    app = example_app.create_app()  # auto-run: the migrations are applied before it returns

    assert app.config["HEROGOLD_MIGRATE_AUTO"] is True
    assert app.test_client().get("/roles").json == {"roles": ["admin", "user", "guest"]}
    engine = create_engine(url)
    assert {"users", "roles", "migrations"} <= set(inspect(engine).get_table_names())
    engine.dispose()
    with app.app_context():
        example_app.db.engine.dispose()
