"""Progress a person can follow: ``[2/3]`` before each step, a heartbeat while a long one
runs, colour on a terminal only (and not with ``NO_COLOR``), the same lines in auto-run logs
without Alembic's own INFO lines."""

from __future__ import annotations

import logging
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from flask_herogold_migrate import HerogoldMigrate, MigrationManager

# Waits in its step until the file RELEASE exists: the test makes it once it saw a heartbeat.
SLOW = """
import os, time
from pathlib import Path
from sqlalchemy import text
from flask_herogold_migrate import Migration


class Backfill(Migration):
    def up(self, session):
        session.exec(text("CREATE TABLE slow (id INTEGER PRIMARY KEY)"))
        deadline = time.monotonic() + 120
        while not Path(os.environ["RELEASE"]).exists() and time.monotonic() < deadline:
            time.sleep(0.01)

    def down(self, session):
        session.exec(text("DROP TABLE slow"))
"""

# The standalone command, with a heartbeat a test need not wait 10 s for.
RUN = (
    "import sys\n"
    "from flask_herogold_migrate import MigrationManager\n"
    "from flask_herogold_migrate.__main__ import main\n"
    "MigrationManager.heartbeat_interval = 0.05\n"
    "main(sys.argv[1:])\n"
)

ESCAPE = "\x1b["


@pytest.fixture
def project(tmp_path: Path, migrations_dir: Path, write_migration, create_table_migration):
    create_table_migration("20260301_one", "one")
    write_migration("20260302_backfill", body=SLOW)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEROGOLD_")}
    env.pop("NO_COLOR", None)
    env.update(RELEASE=str(tmp_path / "release"), TERM="xterm")
    command = [
        sys.executable,
        "-c",
        RUN,
        "migrate",
        "--dir",
        str(migrations_dir),
        "--database-url",
        f"sqlite:///{tmp_path / 'app.db'}",
    ]
    return command, env, tmp_path / "release"


def _on_a_terminal(command: list[str], env: dict[str, str], release: Path) -> str:
    """Run ``command`` with a pseudo-terminal as its output; make ``release`` at its first
    heartbeat; return all it wrote."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(command, env=env, stdin=follower, stdout=follower, stderr=follower)
    os.close(follower)
    seen = b""
    try:
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed: the process ended
                break
            if not chunk:
                break
            seen += chunk
            if b"Still running 20260302_backfill" in seen:
                release.touch()
    finally:
        release.touch()
        os.close(leader)
        process.wait(60)
    assert process.returncode == 0, seen
    return seen.decode()


def test_a_terminal_shows_the_place_of_each_step_a_heartbeat_and_colour(project):
    output = _on_a_terminal(*project)

    plain = output.replace("\r\n", "\n")
    assert "[1/2] Migrating: 20260301_one" in plain
    assert "[2/2] Migrating: 20260302_backfill" in plain
    assert "Still running 20260302_backfill: 0 s" in plain
    assert f"{ESCAPE}32mMigrated: 20260301_one" in plain  # green
    assert "Applied 2 migrations." in plain
    # The heartbeat stops with its step.
    assert plain.rindex("Still running") < plain.index("Migrated: 20260302_backfill")
    assert "\x1b[36mStill running" in plain  # cyan


def test_no_color_turns_the_colour_off_on_a_terminal(project):
    command, env, release = project

    output = _on_a_terminal(command, {**env, "NO_COLOR": "1"}, release)

    assert "[2/2] Migrating: 20260302_backfill" in output
    assert ESCAPE not in output


def test_no_escape_codes_reach_a_pipe(project):
    command, env, release = project
    release.touch()  # nobody reads a heartbeat here: the step need not wait

    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stderr
    assert "[1/2] Migrating: 20260301_one" in result.stdout
    assert ESCAPE not in result.stdout + result.stderr


def test_the_heartbeat_comes_between_the_start_and_the_end_of_its_step(
    database, migrations_dir, write_migration, tmp_path, monkeypatch
):
    monkeypatch.setenv("RELEASE", str(tmp_path / "release"))
    write_migration("20260302_backfill", body=SLOW)
    events: list[tuple[str, str]] = []

    def progress(event):
        events.append((event.event, event.describe()))
        if event.event == "still_running" and event.name == "20260302_backfill":
            (tmp_path / "release").touch()

    manager = MigrationManager(migrations_dir, engine=database.engine, progress=progress)
    manager.heartbeat_interval = 0.01
    manager.run_migrations()

    kinds = [kind for kind, _ in events]
    assert kinds[0] == "start" and kinds[-1] == "done"
    assert set(kinds[1:-1]) == {"still_running"}
    assert events[1][1].startswith("Still running 20260302_backfill: ")


def test_auto_run_logs_the_same_lines_without_alembic_s_own(
    tmp_path, database, write_migration, caplog
):
    write_migration(
        "20260301_users",
        body="""
import sqlalchemy as sa
from flask_herogold_migrate import Migration, schema


class Users(Migration):
    def up(self, session):
        schema(session).create_table("users", sa.Column("id", sa.Integer, primary_key=True))

    def down(self, session):
        schema(session).drop_table("users")
""",
    )
    caplog.set_level(logging.INFO)
    app = Flask("worker", root_path=str(tmp_path), instance_path=str(tmp_path / "instance"))
    app.config.update(SQLALCHEMY_DATABASE_URI=database.url, HEROGOLD_MIGRATE_AUTO=True)

    HerogoldMigrate(app)

    messages = [r.getMessage() for r in caplog.records]
    assert "[1/1] Migrating: 20260301_users" in messages
    assert not [r for r in caplog.records if r.name.startswith("alembic")], messages
    assert "users" in database.table_names()
