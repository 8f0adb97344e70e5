"""The commands without Flask, as installed: ``python -m`` and the console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(args: list[str], database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEROGOLD_")}
    env["DATABASE_URL"] = database_url
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


def test_console_script_and_module_use_database_url_from_the_environment(
    database, tmp_path, create_table_migration
):
    create_table_migration("20260301_one", "one")
    script = Path(sys.executable).with_name("herogold-migrate")

    applied = run([str(script), "migrate"], database.url, cwd=tmp_path)
    status = run(
        [sys.executable, "-m", "flask_herogold_migrate", "migrate:status", "--json"],
        database.url,
        cwd=tmp_path,
    )

    assert applied.returncode == 0, applied.stderr
    assert "Migrated: 20260301_one" in applied.stdout
    assert applied.stdout.endswith("Applied 1 migration.\n")
    assert applied.stderr == ""  # a clean exit, even with the collector skipped at exit
    assert "one" in database.table_names()
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["migrations"][0]["state"] == "applied"


def test_help_lists_every_command(tmp_path):
    result = run([sys.executable, "-m", "flask_herogold_migrate", "--help"], "", cwd=tmp_path)

    assert result.returncode == 0
    for command in (
        "migrate ",
        "migrate:make",
        "migrate:status",
        "migrate:rollback",
        "migrate:reset",
        "migrate:repair",
    ):
        assert command in result.stdout


@pytest.mark.parametrize(
    ("args", "env", "shown"),
    [
        (["--lock-timeout", "inf"], {}, "'inf'"),
        (["--lock-timeout", "-1"], {}, "'-1'"),
        (["--lock-timeout", "abc"], {}, "'abc'"),
        ([], {"HEROGOLD_MIGRATE_LOCK_TIMEOUT": "nan"}, "'nan'"),
    ],
)
def test_a_lock_timeout_that_is_no_number_of_seconds_is_a_usage_error(
    cli, database, create_table_migration, args, env, shown
):
    create_table_migration("20260301_one", "one")

    result = cli("migrate", *args, env=env)

    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        f"Error: Invalid value for '--lock-timeout': {shown} is not a number of seconds: "
        "use a number of seconds, 0 or more, such as 60 or 2.5."
    )
    assert "one" not in database.table_names()
