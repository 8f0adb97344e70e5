"""Loading one migration file and checking that it defines exactly one migration."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import inspect
import marshal
import os
import sys
import threading
import traceback
import types
from pathlib import Path

from ..errors import BrokenMigrationFile
from ..migration import Migration
from .discovery import MigrationFile

# Files load under this private package, never under their bare stem, so a migration named
# like a real module (``20260101_json``) cannot shadow it or be shadowed.
_PACKAGE = "flask_herogold_migrate._loaded_migrations"

# Set on a module once its file ran, to the checksum of the source that ran.
_RAN_SOURCE = "__herogold_migrate_checksum__"


def load_migration(file: MigrationFile) -> Migration:
    """Import ``file`` and return an instance of the one :class:`Migration` subclass it defines."""
    module = _import(file)
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
    _refuse_async_steps(file, cls)
    cls.name = file.name
    try:
        return cls()
    except (Exception, SystemExit) as error:  # an __init__ that raises, or wants arguments
        raise BrokenMigrationFile(
            f"{_where(file.path, error)}: creating {cls.__name__}() failed: {_describe(error)}."
        ) from error


def _refuse_async_steps(file: MigrationFile, cls: type[Migration]) -> None:
    # The runner calls a step and does not await it: an async one would only create a
    # coroutine, run nothing, and be recorded as applied.
    # A decorator (functools.wraps) hides what it wraps: look through it too. A step that is
    # a plain def returning a coroutine is caught when it runs (see ``session.run_step``).
    for method in ("up", "down"):
        step = inspect.unwrap(getattr(cls, method))
        if inspect.iscoroutinefunction(step) or inspect.isasyncgenfunction(step):
            raise BrokenMigrationFile(
                f"{file.path}: {cls.__name__}.{method}() is an async def, but a migration step "
                "must be a plain def (a sync function receiving the session): it is called, "
                "never awaited."
            )
        if inspect.isgeneratorfunction(step):
            raise BrokenMigrationFile(
                f"{file.path}: {cls.__name__}.{method}() contains yield, so calling it runs "
                "nothing: a migration step must be a plain function that does its work."
            )


# Tenants migrate on several threads at once, all from the same files: one thread imports a
# file while the others wait and reuse it, so no class is declared twice.
_IMPORTING = threading.Lock()


def _import(file: MigrationFile) -> types.ModuleType:
    with _IMPORTING:
        return _import_once(file)


def _import_once(file: MigrationFile) -> types.ModuleType:
    path = file.path
    digest = _directory_digest(os.path.abspath(file.directory))
    module_name = f"{_PACKAGE}.m{digest}_{file.name}"
    try:
        source = path.read_bytes()
    except OSError as error:
        raise BrokenMigrationFile(f"{path}: cannot be read: {error.strerror}.") from None
    file.remember_source(source)
    ran = sys.modules.get(module_name)
    if ran is not None and getattr(ran, _RAN_SOURCE, None) == file.checksum():
        # Already run in this process (migrate, then rollback; an app factory called per
        # test): running it again would declare its classes twice, and a SQLModel table
        # class declared twice is an error.
        return ran
    try:
        code = _compiled(path, source)
    except SyntaxError as error:
        raise BrokenMigrationFile(
            f"{path}, line {error.lineno}: syntax error: {error.msg}."
        ) from None
    module = types.ModuleType(module_name)
    module.__file__ = str(path)
    module.__package__ = ""  # loaded on its own: a relative import says so, not our internals
    sys.modules[module_name] = module
    try:
        exec(code, module.__dict__)
    except (Exception, SystemExit) as error:
        # SystemExit too: a sys.exit() at import time would otherwise end the command silently,
        # with the file's own exit status. KeyboardInterrupt still stops everything.
        del sys.modules[module_name]
        where = _where(path, error)
        detail = _describe(error)
        if isinstance(error, ImportError) and "relative import" in str(error):
            detail += (
                ". A migration file is loaded on its own, not as part of a package: import "
                "shared code from your application's package instead (from myapp.schema import "
                "...)"
            )
        raise BrokenMigrationFile(f"{where}: importing it failed: {detail}.") from error
    setattr(module, _RAN_SOURCE, file.checksum())
    return module


@functools.lru_cache(maxsize=64)
def _directory_digest(directory: str) -> str:
    # Keyed on the absolute path, so a change of working directory cannot reuse a digest;
    # resolving (a system call per component) then happens once per directory, not per file.
    return hashlib.sha1(os.path.realpath(directory).encode()).hexdigest()[:12]


# Bytecode is cached in __pycache__ as Python's own import does, but as a "checked hash"
# .pyc (PEP 552): it is used only when the source's hash matches, so a file edited twice in
# one second, with the same size, can never run stale code, as a timestamp .pyc could.
_CHECKED_HASH_FLAGS = (0b11).to_bytes(4, "little")


def _compiled(path: Path, source: bytes) -> types.CodeType:
    cache = importlib.util.cache_from_source(str(path))
    header = importlib.util.MAGIC_NUMBER + _CHECKED_HASH_FLAGS + importlib.util.source_hash(source)
    try:
        with open(cache, "rb") as handle:
            data = handle.read()
        if data.startswith(header):
            code = marshal.loads(data[len(header) :])
            if isinstance(code, types.CodeType):
                return _reporting(code, str(path))
    except (OSError, ValueError, EOFError, TypeError):
        pass  # no cache, or an unreadable one: compile
    code = compile(source, str(path), "exec", dont_inherit=True)
    if not sys.dont_write_bytecode:
        _write_cache(cache, header + marshal.dumps(code))
    return code


def _reporting(code: types.CodeType, filename: str) -> types.CodeType:
    """Cached code, naming the file as it is reached now (relative or absolute, moved)."""
    if code.co_filename == filename:
        return code
    consts = tuple(
        _reporting(const, filename) if isinstance(const, types.CodeType) else const
        for const in code.co_consts
    )
    return code.replace(co_filename=filename, co_consts=consts)


def _write_cache(cache: str, data: bytes) -> None:
    partial = f"{cache}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        with open(partial, "wb") as handle:
            handle.write(data)
        os.replace(partial, cache)  # whole or not at all, even with workers racing
    except OSError:
        # A read-only deployment only loses the speed-up.
        with contextlib.suppress(OSError):
            os.unlink(partial)


def _describe(error: BaseException) -> str:
    message = str(error).strip().rstrip(".")
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def _where(path: Path, error: BaseException) -> str:
    line = _line_in(path, error)
    return f"{path}, line {line}" if line else str(path)


def _line_in(path: Path, error: BaseException) -> int | None:
    """The last line of ``path`` in the traceback: where the file itself went wrong."""
    line = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == str(path):
            line = frame.lineno
    return line
