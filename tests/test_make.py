"""``migrate:make``: the file it writes, the names it refuses."""

from __future__ import annotations

import ast
import re
from datetime import datetime, timezone

import pytest

from flask_herogold_migrate import create_migration


def test_make_writes_a_dated_file_with_a_pascal_case_class(app, migrations_dir):
    result = app.test_cli_runner().invoke(args=["migrate:make", "create_users_table"])

    assert result.exit_code == 0, result.output
    today = datetime.now(timezone.utc).strftime("%Y%m%d")
    path = migrations_dir / f"{today}_create_users_table.py"
    assert result.output.strip() == f"Created migration {path}"
    source = path.read_text()
    tree = ast.parse(source)
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    assert [c.name for c in classes] == ["CreateUsersTable"]
    assert [b.id for b in classes[0].bases] == ["Migration"]
    assert {f.name for f in classes[0].body if isinstance(f, ast.FunctionDef)} == {"up", "down"}
    docstring = ast.get_docstring(tree)
    assert f"{today}_create_users_table" in docstring
    assert re.search(r"created \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", docstring)


def test_second_and_third_file_of_a_day_get_a_sequence(migrations_dir):
    now = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)

    paths = [create_migration(n, migrations_dir, now=now) for n in ("one", "AddRoles", "three")]

    assert [p.name for p in paths] == [
        "20260301_one.py",
        "20260301_02_add_roles.py",
        "20260301_03_three.py",
    ]


@pytest.mark.parametrize("bad", ["../x", "a/b", "with space", "", "quo'te", "semi;colon", "1abc"])
def test_make_refuses_bad_names_and_writes_nothing(app, migrations_dir, bad):
    result = app.test_cli_runner().invoke(args=["migrate:make", bad])

    assert result.exit_code == 1
    assert "Invalid migration name" in result.output
    assert "Traceback" not in result.output
    assert list(migrations_dir.iterdir()) == []
    assert list(migrations_dir.parent.rglob("*.py")) == []


def test_generated_file_applies_and_rolls_back_cleanly(app, database):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["migrate:make", "noop"]).exit_code == 0

    applied = runner.invoke(args=["migrate"])
    assert applied.exit_code == 0, applied.output
    assert len(database.migration_rows()) == 1
    rolled_back = runner.invoke(args=["migrate:rollback"])
    assert rolled_back.exit_code == 0, rolled_back.output
    assert database.migration_rows() == {}
