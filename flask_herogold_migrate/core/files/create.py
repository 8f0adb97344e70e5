"""Writing a new migration file (``migrate:make``)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TypedDict

from ..errors import MigrationFileNotCreated
from .naming import class_name, next_stem, normalize_new_name, parse_stem


@dataclass(frozen=True)
class NewMigration:
    """What names a new file and its class, for whatever writes its body."""

    #: The name as a sentence: ``"Add slug to posts table."``
    title: str
    #: The file name without ``.py``: ``20260301_add_slug_to_posts_table``.
    stem: str
    #: When it was created, UTC, ``YYYY-MM-DD HH:MM:SS``.
    created: str
    #: The migration class: ``AddSlugToPostsTable``.
    cls: str


class NewMigrationOptions(TypedDict, total=False):
    """What :func:`create_migration` takes besides the name and the directory."""

    create: str | None
    table: str | None
    sql: bool
    post_deploy: bool


def create_migration(
    name: str,
    migrations_dir: str | os.PathLike[str] = "migrations",
    *,
    create: str | None = None,
    table: str | None = None,
    sql: bool = False,
    now: datetime | None = None,
    post_deploy: bool = False,
) -> Path:
    """Write a new migration named after ``name`` and return its path.

    The file is ``YYYYMMDD_name.py`` (UTC date), or ``YYYYMMDD_NN_name.py`` when files of that day
    exist already. ``name`` must be letters, digits and underscores; CamelCase becomes snake_case.
    Its body creates the table ``create``, changes the table ``table`` in batch mode, or holds
    raw SQL with ``sql``; without them, the name says which (see :mod:`.templates`).
    ``post_deploy`` writes a post-deploy migration (``post_deploy = True``).
    """
    # Imported here: the runner imports this module on the no-op path, which writes no file.
    from .templates import choose_template, render

    description = normalize_new_name(name)
    template = choose_template(description, create=create, table=table, sql=sql)
    return write_new_migration(
        description,
        migrations_dir,
        lambda new: _marked(
            render(template, title=new.title, stem=new.stem, created=new.created, cls=new.cls),
            new.cls,
            post_deploy,
        ),
        now=now,
    )


def plan_new_migration(
    name: str, migrations_dir: str | os.PathLike[str], *, now: datetime | None = None
) -> NewMigration:
    """How the migration ``name`` made ``now`` would be named, after the files on disk."""
    description = normalize_new_name(name)
    directory = Path(migrations_dir)
    created = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    existing = [p.stem for p in directory.glob("*.py") if parse_stem(p.stem)]
    _refuse_same_day_and_description(directory, description, created, existing)
    return NewMigration(
        title=description.replace("_", " ").capitalize() + ".",
        stem=next_stem(description, created.date(), existing),
        created=created.strftime("%Y-%m-%d %H:%M:%S"),
        cls=class_name(description),
    )


def write_new_migration(
    name: str,
    migrations_dir: str | os.PathLike[str],
    source: Callable[[NewMigration], str],
    *,
    now: datetime | None = None,
) -> Path:
    """Write the file ``source`` returns for the new migration named ``name``; its path.

    Never overwrites a file: one that appears meanwhile is an error, and a file half
    written (a full disk) is removed.
    """
    description = normalize_new_name(name)
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
    new = plan_new_migration(description, directory, now=now)
    path = directory / f"{new.stem}.py"
    text = source(new)
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
            handle.write(text)
    except OSError as error:
        with contextlib.suppress(OSError):
            path.unlink()  # the half-written file is ours: leave nothing behind
        raise MigrationFileNotCreated(
            f"Cannot create the migration: {path} cannot be written: {_reason(error)}."
        ) from None
    return path


def _marked(text: str, cls: str, post_deploy: bool) -> str:
    """``text`` with ``post_deploy = True`` first in the class body, if asked."""
    if not post_deploy:
        return text
    header = f"class {cls}(Migration):\n"
    flag = (
        "    # Runs after the deploy: migrate --skip-post-deploy and auto-run leave it pending.\n"
        "    post_deploy = True\n\n"
    )
    return text.replace(header, header + flag, 1)


def _refuse_same_day_and_description(
    directory: Path, description: str, created: datetime, existing: list[str]
) -> None:
    """Two files of one day with one description would be told apart by their sequence only:
    ``migrate:test`` rejects them, and a name given to ``--target`` would mean both."""
    day = created.strftime("%Y%m%d")
    for stem in sorted(existing):
        parsed = parse_stem(stem)
        if parsed and parsed.date == day and parsed.description.casefold() == description:
            raise MigrationFileNotCreated(
                f"Cannot create the migration: {directory / stem}.py, of the same day, has "
                f"the same description ({description}). Give the new one another name, or "
                "add to that file if it is not applied yet."
            )


def _reason(error: OSError) -> str:
    return error.strerror or str(error)
