"""Tenants at fleet scale: ``--canary N`` and ``--max-failures K`` stop starting tenants after
failures, and Ctrl-C lets the running tenant finish and prints what ran and what did not."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from sqlalchemy import create_engine, text

from tests.many_databases import servers  # noqa: F401  (the fixture)
from tests.test_tenants import BOTH, invoke, tenants  # noqa: F401  (the fixture)


def _break(tenants, schema: str) -> None:  # noqa: F811
    """Leave ``schema`` with a failed record: its next run fails at once."""
    app = tenants.make()
    with app.app_context():
        extension = app.extensions["herogold_migrate"].extension
        extension.migrate_tenant(schema, target="accounts")
    engine = create_engine(tenants.url)
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE \"{schema}\".migrations SET state = 'failed_up'"))
    engine.dispose()


def _untouched(tenants, schema: str) -> bool:  # noqa: F811
    return tenants.tables(schema) == set()


def test_a_failing_canary_stops_the_run_with_the_rest_untouched(tenants):  # noqa: F811
    schemas = tenants.add_schemas(5)
    _break(tenants, schemas[1])
    app = tenants.make()

    result = invoke(app, "migrate", "--all-tenants", "--canary", "2")

    assert result.exit_code == 1
    assert tenants.applied(schemas[0]) == BOTH
    assert tenants.applied(schemas[1]) == {"20260101_accounts"}  # its failed row, as it was
    assert all(_untouched(tenants, schema) for schema in schemas[2:])
    assert "Stopped after the canaries: 1 of the first 2 tenants failed" in result.output
    assert f"Not run (3): {', '.join(schemas[2:])}" in result.output
    assert f"Error: 1 of 5 tenants failed: {schemas[1]}. 3 were not run." in result.output
    assert "Traceback" not in result.output


def test_passing_canaries_let_the_others_run(tenants):  # noqa: F811
    schemas = tenants.add_schemas(4)
    app = tenants.make()

    result = invoke(app, "migrate", "--all-tenants", "--canary", "2", "--jobs", "2")

    assert result.exit_code == 0, result.output
    assert all(tenants.applied(schema) == BOTH for schema in schemas)
    assert "Tenants: 4 applied (of 4)." in result.output
    assert "Stopped" not in result.output
    for number, schema in enumerate(schemas, 1):
        assert f"[{schema}] Tenant {number}/4\n" in result.output


def test_max_failures_stops_starting_tenants(tenants):  # noqa: F811
    schemas = tenants.add_schemas(5)
    _break(tenants, schemas[0])
    _break(tenants, schemas[2])
    app = tenants.make()

    result = invoke(app, "migrate", "--all-tenants", "--max-failures", "2", "--json")

    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert [t["state"] for t in document["tenants"]] == ["failed", "applied", "failed"]
    assert document["not_run"] == schemas[3:]
    assert all(_untouched(tenants, schema) for schema in schemas[3:])
    assert "Stopped after 2 failures (--max-failures 2)" in result.stderr


def test_canary_and_max_failures_go_with_all_tenants(tenants):  # noqa: F811
    tenants.add_schemas(1)
    app = tenants.make()

    result = invoke(app, "migrate", "--canary", "1")

    assert result.exit_code == 2
    assert "--canary and --max-failures go with --all-tenants." in result.output


APP = """
import json, os
from flask import Flask
from flask_herogold_migrate import HerogoldMigrate

app = Flask(__name__)
app.config.update(
    SQLALCHEMY_DATABASE_URI=os.environ["DATABASE_URL"],
    HEROGOLD_MIGRATE_TENANTS=lambda: json.loads(os.environ["TENANTS"]),
    HEROGOLD_MIGRATE_TENANT_DIR="migrations_tenants",
)
HerogoldMigrate(app)
"""

# Holds its tenant's run until the test, having pressed Ctrl-C, makes the file RELEASE.
BLOCKING = """
import os, time
from pathlib import Path
from sqlalchemy import text
from flask_herogold_migrate import Migration


class Hold(Migration):
    def up(self, session):
        session.exec(text("CREATE TABLE held (id INTEGER PRIMARY KEY)"))
        Path(os.environ["STARTED"]).touch()
        deadline = time.monotonic() + 120
        while not Path(os.environ["RELEASE"]).exists() and time.monotonic() < deadline:
            time.sleep(0.01)

    def down(self, session):
        session.exec(text("DROP TABLE held"))
"""


def test_ctrl_c_lets_the_running_tenant_finish_and_prints_the_summary(tenants, tmp_path):  # noqa: F811
    schemas = tenants.add_schemas(3)
    (tenants.dir / "20260103_hold.py").write_text(BLOCKING)
    (tmp_path / "fleet_app.py").write_text(APP)
    started, release = tmp_path / "started", tmp_path / "release"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HEROGOLD_", "FLASK_"))}
    env.update(
        DATABASE_URL=tenants.url,
        TENANTS=json.dumps({schema: schema for schema in schemas}),
        FLASK_APP="fleet_app",
        STARTED=str(started),
        RELEASE=str(release),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "migrate", "--all-tenants"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not started.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert started.exists(), process.communicate(timeout=60)
        process.send_signal(signal.SIGINT)
        assert process.stderr is not None
        heard = process.stderr.readline()  # said at once, while the tenant still runs
        assert heard.startswith("Interrupted: no other tenant will start"), heard
    finally:
        release.touch()
        stdout, stderr = process.communicate(timeout=120)

    assert process.returncode == 130, stdout + stderr
    assert tenants.applied(schemas[0]) == {*BOTH, "20260103_hold"}  # it finished
    assert all(_untouched(tenants, schema) for schema in schemas[1:])
    assert "Tenants: 1 applied, 2 not run (of 3)." in stdout
    assert f"Not run (2): {', '.join(schemas[1:])}" in stdout
    assert "Interrupted: the tenants running finished" in stdout
    assert "Aborted!" not in stdout + stderr


POST_DEPLOY = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class Contract(Migration):
    post_deploy = True

    def up(self, session):
        session.exec(text("CREATE TABLE contracted (id INTEGER PRIMARY KEY)"))

    def down(self, session):
        session.exec(text("DROP TABLE contracted"))
"""


def test_skip_post_deploy_holds_back_on_every_tenant_of_a_canary_run(tenants):  # noqa: F811
    schemas = tenants.add_schemas(3)
    (tenants.dir / "20260103_contract.py").write_text(POST_DEPLOY)
    app = tenants.make()

    before = invoke(app, "migrate", "--all-tenants", "--canary", "1", "--skip-post-deploy")
    after = invoke(app, "migrate", "--all-tenants")

    assert before.exit_code == 0, before.output
    assert "[2/2] Migrating: 20260102_invoices" in before.output
    assert after.exit_code == 0, after.output
    assert all(tenants.applied(schema) == {*BOTH, "20260103_contract"} for schema in schemas)
    assert after.output.count("[1/1] Migrating: 20260103_contract") == 3
