"""Seeder files: found in the seeders directory, loaded, and written by ``migrate:make``.

Every ``*.py`` file of the directory is a seeder, run in file-name order; a file whose name
starts with ``_`` runs only when another seeder calls it, or when named. The files load as
modules of one package per directory, so a seeder can import another one with a relative
import (``from .users import UsersSeeder``) to :meth:`~.Seeder.call` it.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import re
import sys
import threading
import traceback
import types
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors.seeding import BrokenSeederFile, SeederNotCreated, SeedersNotFound
from .seeder import Seeder

_PACKAGE = "flask_herogold_migrate._loaded_seeders"
_LOADING = threading.Lock()
_NAME = re.compile(r"[a-z_][a-z0-9_]*\Z")


@dataclass(frozen=True)
class SeederFile:
    """One seeder file: its name (the stem) and where it is."""

    name: str
    path: Path


def find_seeders(directory: Path, names: Sequence[str] = ()) -> tuple[SeederFile, ...]:
    """The seeders to run: the ``names`` given, in that order, else every file not starting
    with ``_``, in file-name order."""
    if not directory.is_dir():
        raise SeedersNotFound(
            f"No seeders directory {directory}: write a seeder with migrate:make NAME --seeder "
            "(or set HEROGOLD_MIGRATE_SEEDERS_DIR). Nothing was run."
        )
    found = {
        path.stem: SeederFile(path.stem, path)
        for path in directory.glob("*.py")
        if path.stem != "__init__"
    }
    if names:
        unknown = [name for name in names if name not in found]
        if unknown:
            listed = ", ".join(sorted(n for n in found if not n.startswith("_"))) or "none"
            raise SeedersNotFound(
                f"No seeder named {', '.join(unknown)} in {directory} (seeders: {listed}). "
                "Nothing was run."
            )
        return tuple(found[name] for name in names)
    chosen = tuple(found[name] for name in sorted(found) if not name.startswith("_"))
    if not chosen:
        raise SeedersNotFound(
            f"No seeder in {directory}: write one with migrate:make NAME --seeder. Nothing was run."
        )
    return chosen


def load_seeder(file: SeederFile) -> type[Seeder]:
    """Import ``file`` and return the one :class:`Seeder` subclass it defines."""
    with _LOADING:
        module = _import(file)
    own = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, Seeder)
        and value is not Seeder
        and value.__module__ == module.__name__
    ]
    if len(own) != 1:
        found = ", ".join(cls.__name__ for cls in own) or "none"
        raise BrokenSeederFile(
            f"{file.path}: a seeder file must define exactly one subclass of Seeder "
            f"(found {found})."
        )
    return own[0]


def forget_loaded(directory: Path) -> None:
    """Forget the modules loaded from ``directory``, so the next load reads the files again
    (a seeder edited since the last run, in a long-lived process or a test session)."""
    prefix = f"{_package(directory)}."
    with _LOADING:
        for name in [name for name in sys.modules if name.startswith(prefix)]:
            del sys.modules[name]
        importlib.invalidate_caches()


def failure_line(path: Path, error: BaseException) -> int | None:
    """The last line of ``path`` in the traceback of ``error``."""
    line = None
    for frame in traceback.extract_tb(error.__traceback__):
        if os.path.abspath(frame.filename) == os.path.abspath(path):
            line = frame.lineno
    return line


def create_seeder(name: str, directory: Path) -> Path:
    """Write ``directory/NAME.py`` with an empty seeder class; return its path."""
    if not _NAME.match(name):
        raise SeederNotCreated(
            f"{name!r} cannot name a seeder: use lower-case letters, digits and underscores, "
            "not starting with a digit (users, blog_posts), so other seeders can import it."
        )
    path = directory / f"{name}.py"
    if path.exists():
        raise SeederNotCreated(f"{path} already exists: choose another name. Nothing was written.")
    cls = "".join(part.capitalize() for part in name.split("_") if part) + "Seeder"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(_TEMPLATE.format(cls=cls))
    except OSError as error:
        raise SeederNotCreated(f"{path} could not be written: {error.strerror}.") from None
    return path


_TEMPLATE = '''"""Rows for a migrated database: run by migrate:seed, and by migrate:fresh --seed."""

from sqlmodel import Session

from flask_herogold_migrate import Seeder


class {cls}(Seeder):
    def run(self, session: Session) -> None:
        # session.add(User(name="Ada")), or self.call(OtherSeeder): committed when run()
        # returns, rolled back if it raises.
        pass
'''


def _package(directory: Path) -> str:
    digest = hashlib.sha1(os.path.realpath(directory).encode()).hexdigest()[:12]
    return f"{_PACKAGE}.s{digest}"


def _import(file: SeederFile) -> types.ModuleType:
    package = _package(file.path.parent)
    if _PACKAGE not in sys.modules:
        root = types.ModuleType(_PACKAGE)
        root.__path__ = []
        sys.modules[_PACKAGE] = root
    if package not in sys.modules:
        own = types.ModuleType(package)
        own.__path__ = [str(file.path.parent)]
        sys.modules[package] = own
    try:
        return importlib.import_module(f"{package}.{file.name}")
    except (Exception, SystemExit) as error:
        line = failure_line(file.path, error)
        where = f"{file.path}, line {line}" if line else str(file.path)
        if isinstance(error, SyntaxError):
            where, detail = f"{file.path}, line {error.lineno}", f"syntax error: {error.msg}"
        else:
            detail = f"{type(error).__name__}: {str(error).strip().rstrip('.')}"
        raise BrokenSeederFile(f"{where}: importing it failed: {detail}.") from error
