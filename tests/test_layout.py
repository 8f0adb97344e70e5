"""Architecture rules a user relies on: a framework-neutral core, a lean no-op path, lint."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

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


# -- Layers: what each part of the package may import ----------------------------------------


def _modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path) -> list[tuple[str, bool]]:
    """``(module imported, at module level)`` for every import of the file, however deep:
    inside functions and under ``if TYPE_CHECKING`` too."""
    tree = ast.parse(path.read_text())
    top_level = {id(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top_level) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((module, id(node) in top_level))
            found += [(f"{module}.{alias.name}", id(node) in top_level) for alias in node.names]
    return found


def _offenders(prefix: str, forbidden: tuple[str, ...], *, top_level_only: bool = False):
    modules = _modules()
    return sorted(
        f"{name} imports {imported}"
        for name, path in modules.items()
        if name == prefix or name.startswith(prefix + ".")
        for imported, at_top in _imports(name, path)
        if (at_top or not top_level_only) and imported.split(".")[0] in forbidden
    )


def test_the_core_imports_neither_flask_nor_click():
    assert _offenders("flask_herogold_migrate.core", ("flask", "flask_sqlalchemy", "click")) == []


def test_the_commands_import_no_flask():
    # cli/ serves both hosts: the Flask side (app/, extension.py) hands it what it needs.
    assert _offenders("flask_herogold_migrate.cli", ("flask", "flask_sqlalchemy")) == []


def test_alembic_is_imported_at_module_level_only_by_autogenerate_and_the_operations():
    allowed = ("flask_herogold_migrate.core.autogenerate", "flask_herogold_migrate.core.operations")
    offenders = [
        line
        for line in _offenders("flask_herogold_migrate", ("alembic",), top_level_only=True)
        if not line.startswith(allowed)
    ]
    assert offenders == []


def test_no_import_cycle_counting_deferred_and_type_checking_imports():
    modules = _modules()
    graph = {
        name: {
            imported
            for imported, _ in _imports(name, path)
            # A module importing its own package reaches only the package's facade.
            if imported in modules and imported != name and not name.startswith(imported + ".")
        }
        for name, path in modules.items()
    }
    cycles = []
    for start in graph:
        # Every module reachable from start: a cycle is a path back to start.
        seen, stack, parent = {start}, [start], {start: None}
        while stack:
            current = stack.pop()
            for following in graph[current]:
                if following == start:
                    chain, step = [start], current
                    while step is not None and step != start:
                        chain.append(step)
                        step = parent[step]
                    cycles.append(" -> ".join([start, *reversed(chain[1:]), start]))
                    stack.clear()
                    break
                if following not in seen:
                    seen.add(following)
                    parent[following] = current
                    stack.append(following)
    assert cycles == []


def test_modules_are_short_and_folders_are_not_flat():
    modules = _modules()
    long = [
        f"{n} ({len(p.read_text().splitlines())} lines)"
        for n, p in modules.items()
        if len(p.read_text().splitlines()) > 300
    ]
    folders: dict[Path, int] = {}
    for path in modules.values():
        if path.name != "__init__.py":
            folders[path.parent] = folders.get(path.parent, 0) + 1
    flat = [
        f"{folder.relative_to(ROOT)} ({count} modules)"
        for folder, count in folders.items()
        if count > 15
    ]
    assert long == [] and flat == []


# -- The facade: what users import ------------------------------------------------------------

_DOCUMENTED_NAME = re.compile(r"flask_herogold_migrate(?:\.[A-Za-z_]+)+")
#: The public modules: the two facades, and those users name because a tool needs a module
#: (the pytest plugin's entry point, ``python -m flask_herogold_migrate``).
_PUBLIC_MODULES = (
    "flask_herogold_migrate",
    "flask_herogold_migrate.core",
    "flask_herogold_migrate.pytest_plugin",
    "flask_herogold_migrate.__main__",
)


def _documented_names() -> set[str]:
    texts = [path.read_text() for path in (ROOT / "docs").glob("*.rst")]
    texts.append((ROOT / "README.md").read_text())
    return {name for text in texts for name in _DOCUMENTED_NAME.findall(text)}


def _facade_of(name: str) -> str | None:
    """The public module ``name`` starts with (the longest), if any."""
    for module in sorted(_PUBLIC_MODULES, key=len, reverse=True):
        if name == module or name.startswith(module + "."):
            return module
    return None


def test_the_docs_name_no_module_deeper_than_the_facades():
    deeper = []
    for name in sorted(_documented_names()):
        facade = _facade_of(name)
        if facade is None:
            deeper.append(name)
        elif name != facade:
            first = name[len(facade) + 1 :].split(".")[0]
            if isinstance(getattr(importlib.import_module(facade), first, None), ModuleType):
                deeper.append(name)
    assert deeper == []


def test_every_name_the_docs_show_imports_from_a_facade():
    missing = []
    for name in sorted(_documented_names()):
        facade = _facade_of(name)
        value: object = importlib.import_module(facade or "flask_herogold_migrate")
        try:
            for attribute in name[len(facade or "") + 1 :].split(".") if name != facade else ():
                value = getattr(value, attribute)
        except AttributeError:
            missing.append(name)
    assert missing == []


def test_every_error_is_importable_from_the_package():
    from flask_herogold_migrate import MigrationError

    errors = set()
    for name in _modules():
        if name.endswith("pytest_plugin"):
            continue
        module = importlib.import_module(name)
        errors |= {
            value.__name__
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, MigrationError)
            and value.__module__ == name
        }
    assert sorted(e for e in errors if not hasattr(flask_herogold_migrate, e)) == []
