"""``migrate:wait``: an init container waits for the release job's ``flask migrate``, and
exits 0 once it applied everything, 1 at once when a migration failed, 2 on timeout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import NON_TRANSACTIONAL
from tests.many_databases import servers  # noqa: F401  (the fixture)
from tests.test_tenants import invoke, tenants  # noqa: F401  (the fixture)

APP = """
import os
from flask import Flask
from flask_herogold_migrate import HerogoldMigrate

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
HerogoldMigrate(app)
"""

# Holds the release job in its step until the test creates the file named in RELEASE.
BLOCKING = """
import os, time
from pathlib import Path
from sqlalchemy import text
from flask_herogold_migrate import Migration


class Slow(Migration):
    def up(self, session):
        session.exec(text("CREATE TABLE slow (id INTEGER PRIMARY KEY)"))
        while not Path(os.environ["RELEASE"]).exists():
            time.sleep(0.02)

    def down(self, session):
        session.exec(text("DROP TABLE slow"))
"""


@pytest.fixture
def flask_app(tmp_path: Path, database, migrations_dir):
    """``flask`` on an app module in ``tmp_path`` whose migrations are ``migrations_dir``."""
    (tmp_path / "deployed_app.py").write_text(APP)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEROGOLD_", "FLASK_"))}
    env.update(
        DATABASE_URL=database.url,
        FLASK_APP="deployed_app",
        RELEASE=str(tmp_path / "release"),
        NO_COLOR="1",
    )

    def start(*args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", *args],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    return start


def _until_waiting(waiter: subprocess.Popen[str]) -> str:
    """Read the waiter's standard error up to its first "Waiting" line."""
    assert waiter.stderr is not None
    seen = ""
    while "Waiting up to" not in seen:
        line = waiter.stderr.readline()
        assert line, f"migrate:wait stopped before waiting: {seen}"
        seen += line
    return seen


def test_wait_exits_0_once_the_concurrent_migrate_applied_everything(
    flask_app, database, create_table_migration
):
    create_table_migration("20260301_one", "one")
    create_table_migration("20260302_two", "two")
    waiter = flask_app("migrate:wait", "--interval", "0.05", "--timeout", "120")
    said = _until_waiting(waiter)
    assert "2 pending (20260301_one, 20260302_two)" in said

    release = flask_app("migrate")
    _, err = release.communicate(timeout=120)
    assert release.returncode == 0, err
    stdout, stderr = waiter.communicate(timeout=120)

    assert waiter.returncode == 0, stderr
    assert "The migrations are applied after" in stdout
    assert {"one", "two"} <= database.table_names()


def test_wait_exits_1_at_once_when_the_concurrent_migrate_fails(
    flask_app, database, write_migration, create_table_migration
):
    create_table_migration("20260301_one", "one")
    write_migration("20260302_index", body=NON_TRANSACTIONAL)
    waiter = flask_app("migrate:wait", "--interval", "0.05", "--timeout", "120")
    _until_waiting(waiter)

    release = flask_app("migrate")
    release.communicate(timeout=120)
    assert release.returncode == 1  # recorded as failed: part of it had committed
    _, stderr = waiter.communicate(timeout=120)

    assert waiter.returncode == 1
    assert "Migration 20260302_index stopped part-way through up()" in stderr
    assert "Traceback" not in stderr


def test_wait_exits_2_on_timeout_naming_what_the_running_migrate_has_not_applied(
    tmp_path, flask_app, database, write_migration, create_table_migration
):
    create_table_migration("20260301_one", "one")
    write_migration("20260302_slow", body=BLOCKING)
    release = flask_app("migrate")
    try:
        assert release.stdout is not None
        assert release.stdout.readline().startswith("[1/2] Migrating: 20260301_one")
        waiter = flask_app("migrate:wait", "--interval", "0.05", "--timeout", "0.5")
        _, stderr = waiter.communicate(timeout=120)
    finally:
        (tmp_path / "release").touch()
        release.communicate(timeout=120)

    assert waiter.returncode == 2, stderr
    assert "Gave up after 0.5 s waiting" in stderr
    assert "20260302_slow" in stderr
    assert release.returncode == 0


def test_wait_exits_0_at_once_when_nothing_is_pending(cli, database, create_table_migration):
    create_table_migration("20260301_one", "one")
    assert cli("migrate").exit_code == 0

    result = cli("migrate:wait", "--timeout", "0")

    assert result.exit_code == 0, result.output
    assert result.output == "The migrations are applied.\n"


def test_the_standalone_wait_times_out_with_status_2(cli, create_table_migration):
    create_table_migration("20260301_one", "one")

    result = cli("migrate:wait", "--timeout", "0.2", "--interval", "0.05")

    assert result.exit_code == 2
    assert "1 pending (20260301_one)" in result.output


def test_wait_exits_1_at_once_on_a_step_left_running_by_a_dead_process(
    cli, database, create_table_migration
):
    create_table_migration("20260301_one", "one")
    create_table_migration("20260302_two", "two")
    assert cli("migrate").exit_code == 0
    # What a process killed in the middle of a step that commits on its own leaves behind.
    with database.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE migrations SET state = 'running' WHERE name = '20260302_two'")

    result = cli("migrate:wait", "--timeout", "120", "--interval", "0.05")

    assert result.exit_code == 1
    assert "Error: 20260302_two recorded as running, but no process runs it" in result.output
    assert "Traceback" not in result.output


def test_the_wait_of_a_schema_tenant_reads_its_own_tracking_table(tenants):  # noqa: F811
    """``--tenant`` waits on the tenant's schema: its rows, not the public schema's."""
    [first, second] = tenants.add_schemas(2)
    app = tenants.make()
    assert invoke(app, "migrate", "--tenant", first).exit_code == 0

    done = invoke(app, "migrate:wait", "--tenant", first, "--timeout", "0")
    behind = invoke(app, "migrate:wait", "--tenant", second, "--timeout", "0")

    assert done.exit_code == 0, done.output
    assert "The migrations are applied." in done.output
    assert behind.exit_code == 2, behind.output
    assert "2 pending (20260101_accounts, 20260102_invoices)" in behind.output
