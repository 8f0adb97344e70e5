"""Architecture rules a user relies on: a framework-neutral core, a lean no-op path, lint."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import flask_herogold_migrate

PACKAGE = Path(flask_herogold_migrate.__file__).parent
ROOT = PACKAGE.parent


def test_no_module_under_core_imports_flask():
    offenders = []
    for path in (PACKAGE / "core").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0].startswith("flask")]
    assert offenders == []


def test_core_and_standalone_commands_import_neither_flask_nor_sqlmodel():
    code = (
        "import sys, flask_herogold_migrate.core, flask_herogold_migrate.__main__\n"
        "print(sorted(m for m in ('flask', 'flask_sqlalchemy', 'sqlmodel', 'pydantic')"
        " if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_public_names_import_from_the_package():
    from flask_herogold_migrate import (  # noqa: F401
        HerogoldMigrate,
        Migration,
        MigrationManager,
        create_migration,
    )

    assert (PACKAGE / "py.typed").exists()


def test_ruff_check_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--quiet", str(ROOT)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
