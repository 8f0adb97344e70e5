"""Loading one migration file and checking that it defines exactly one migration."""

from __future__ import annotations

import hashlib
import sys
import traceback
import types
from pathlib import Path

from .discovery import MigrationFile
from .errors import BrokenMigrationFile
from .migration import Migration

# Files load under this private package, never under their bare stem, so a migration named
# like a real module (``20260101_json``) cannot shadow it or be shadowed.
_PACKAGE = "flask_herogold_migrate._loaded_migrations"


def load_migration(file: MigrationFile) -> Migration:
    """Import ``file`` and return an instance of the one :class:`Migration` subclass it defines."""
    module = _import(file.path, file.name)
    own = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, Migration)
        and value is not Migration
        and value.__module__ == module.__name__
    ]
    if len(own) != 1:
        found = ", ".join(cls.__name__ for cls in own) or "none"
        raise BrokenMigrationFile(
            f"{file.path}: a migration file must define exactly one subclass of Migration "
            f"(found {found})."
        )
    cls = own[0]
    cls.name = file.name
    return cls()


def _import(path: Path, stem: str) -> types.ModuleType:
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
    module_name = f"{_PACKAGE}.m{digest}_{stem}"
    module = types.ModuleType(module_name)
    module.__file__ = str(path)
    try:
        source = path.read_bytes()
        code = compile(source, str(path), "exec", dont_inherit=True)
    except SyntaxError as error:
        raise BrokenMigrationFile(
            f"{path}, line {error.lineno}: syntax error: {error.msg}."
        ) from None
    except OSError as error:
        raise BrokenMigrationFile(f"{path}: cannot be read: {error.strerror}.") from None
    sys.modules[module_name] = module
    try:
        exec(code, module.__dict__)
    except Exception as error:
        del sys.modules[module_name]
        line = _line_in(path, error)
        where = f"{path}, line {line}" if line else str(path)
        raise BrokenMigrationFile(
            f"{where}: importing it failed: {type(error).__name__}: {error}."
        ) from None
    return module


def _line_in(path: Path, error: BaseException) -> int | None:
    """The last line of ``path`` in the traceback: where the file itself went wrong."""
    line = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == str(path):
            line = frame.lineno
    return line
