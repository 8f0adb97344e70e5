"""Writing a new migration file (``migrate:make``)."""

from __future__ import annotations

import contextlib
import os
from datetime import datetime, timezone
from pathlib import Path

from .errors import MigrationFileNotCreated
from .naming import class_name, next_stem, normalize_new_name, parse_stem
from .templates import choose_template, render


def create_migration(
    name: str,
    migrations_dir: str | os.PathLike[str] = "migrations",
    *,
    create: str | None = None,
    table: str | None = None,
    sql: bool = False,
    now: datetime | None = None,
) -> Path:
    """Write a new migration named after ``name`` and return its path.

    The file is ``YYYYMMDD_name.py`` (UTC date), or ``YYYYMMDD_NN_name.py`` when files of that day
    exist already. ``name`` must be letters, digits and underscores; CamelCase becomes snake_case.
    Its body creates the table ``create``, changes the table ``table`` in batch mode, or holds
    raw SQL with ``sql``; without them, the name says which (see :mod:`.templates`).
    """
    description = normalize_new_name(name)
    template = choose_template(description, create=create, table=table, sql=sql)
    directory = Path(migrations_dir)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise MigrationFileNotCreated(
            f"Cannot create the migration: {directory} exists and is not a directory."
        ) from None
    except OSError as error:
        raise MigrationFileNotCreated(
            f"Cannot create the migration: the migrations directory {directory} cannot be "
            f"created: {_reason(error)}."
        ) from None
    created = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    existing = [p.stem for p in directory.glob("*.py") if parse_stem(p.stem)]
    stem = next_stem(description, created.date(), existing)
    path = directory / f"{stem}.py"
    source = render(
        template,
        title=description.replace("_", " ").capitalize() + ".",
        stem=stem,
        created=created.strftime("%Y-%m-%d %H:%M:%S"),
        cls=class_name(description),
    )
    try:
        handle = path.open("x", encoding="utf-8")  # never overwrite a file
    except FileExistsError:
        raise MigrationFileNotCreated(
            f"Cannot create the migration: {path} appeared meanwhile (another migrate:make "
            "at the same moment?) and was left untouched. Run the command again."
        ) from None
    except OSError as error:
        raise MigrationFileNotCreated(
            f"Cannot create the migration: {path} cannot be written: {_reason(error)}."
        ) from None
    try:
        with handle:
            handle.write(source)
    except OSError as error:
        with contextlib.suppress(OSError):
            path.unlink()  # the half-written file is ours: leave nothing behind
        raise MigrationFileNotCreated(
            f"Cannot create the migration: {path} cannot be written: {_reason(error)}."
        ) from None
    return path


def _reason(error: OSError) -> str:
    return error.strerror or str(error)
