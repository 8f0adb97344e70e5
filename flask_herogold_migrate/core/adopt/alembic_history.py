"""An Alembic (Flask-Migrate) history, converted: each revision of a linear history becomes a
dated migration whose ``up()`` and ``down()`` run the revision's own ``upgrade()`` and
``downgrade()``, unchanged, with Alembic's ``op`` bound to the step's session.

Revision files are read as text (:mod:`ast`), never imported: the date comes from the
``Create Date`` line Alembic writes in each docstring, the description from its message.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..files.naming import class_name, next_stem
from .live_schema import AdoptionRefused

_CREATE_DATE = re.compile(r"^Create Date:\s*(\S+(?:\s+[\d:.]+)?)", re.MULTILINE)
#: A message is a sentence; a file name had better stay readable.
_LONGEST_DESCRIPTION = 60
#: What ``flask db migrate`` writes when given no ``-m``: no description at all.
_NO_MESSAGE = {"", "empty message"}


@dataclass(frozen=True)
class Revision:
    """One Alembic revision file, as read."""

    revision: str
    #: The revision it follows (None for the first); a tuple for a merge revision.
    down_revision: str | tuple[str, ...] | None
    message: str
    created: datetime
    path: Path
    source: str


@dataclass(frozen=True)
class ConvertedRevision:
    """A revision as a migration of ours: its file's stem and text."""

    revision: Revision
    stem: str
    source: str


def find_versions_directory(directory: Path) -> Path:
    """``DIR/versions`` when ``DIR`` is an Alembic directory, else ``DIR`` itself."""
    versions = directory / "versions"
    return versions if versions.is_dir() else directory


def read_history(directory: Path) -> list[Revision]:
    """Every revision file of the Alembic directory ``directory``, in the order they run.

    Refuses (:class:`AdoptionRefused`, naming them) branches and merge revisions: a history
    with them has no one order to give dated files.
    """
    versions = find_versions_directory(directory)
    if not versions.is_dir():
        raise AdoptionRefused(f"--from-alembic: {directory} is not a directory.")
    read = (_read(path) for path in sorted(versions.glob("*.py")))
    revisions = [revision for revision in read if revision is not None]
    if not revisions:
        raise AdoptionRefused(
            f"--from-alembic: {versions} holds no Alembic revision (files with revision = "
            "'...' and down_revision = ...)."
        )
    return _linear(revisions)


def convert(history: list[Revision], existing_stems: list[str]) -> list[ConvertedRevision]:
    """Each revision as a migration file of ours, named after its date and message."""
    stems = list(existing_stems)
    converted = []
    for revision in history:
        description = _description(revision)
        stem = next_stem(description, revision.created.date(), stems)
        stems.append(stem)
        converted.append(ConvertedRevision(revision, stem, _source(revision, stem, description)))
    return converted


def _read(path: Path) -> Revision | None:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, str(path))
    values: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and node.value is not None:
                    try:
                        values[target.id] = ast.literal_eval(node.value)
                    except ValueError:
                        continue
    revision = values.get("revision")
    if not isinstance(revision, str) or "down_revision" not in values:
        return None
    down = values["down_revision"]
    if isinstance(down, list):
        down = tuple(down)
    docstring = ast.get_docstring(tree) or ""
    message = docstring.strip().splitlines()[0].strip() if docstring.strip() else ""
    return Revision(
        revision,
        down if isinstance(down, (str, tuple)) else None,
        message,
        _created(docstring, path),
        path,
        source,
    )


def _created(docstring: str, path: Path) -> datetime:
    found = _CREATE_DATE.search(docstring)
    if found:
        try:
            return datetime.fromisoformat(found.group(1).strip())
        except ValueError:
            pass
    # No Create Date line (a hand-written revision): the file's own time.
    return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)


def _linear(revisions: list[Revision]) -> list[Revision]:
    merges = [r.revision for r in revisions if isinstance(r.down_revision, tuple)]
    if merges:
        raise AdoptionRefused(
            f"--from-alembic: the history has merge revisions ({', '.join(merges)}), so its "
            "revisions have no one order. Convert a linear history: squash the branches in "
            "Flask-Migrate first, or adopt the database with a baseline (without --from-alembic)."
        )
    children: dict[str | None, list[Revision]] = {}
    for revision in revisions:
        children.setdefault(revision.down_revision, []).append(revision)  # type: ignore[arg-type]
    branched = {parent: found for parent, found in children.items() if len(found) > 1}
    if branched:
        parent, found = next(iter(branched.items()))
        names = ", ".join(r.revision for r in found)
        where = "start" if parent is None else f"follow {parent}"
        raise AdoptionRefused(
            f"--from-alembic: the history branches: {names} all {where}. Merge the branches in "
            "Flask-Migrate first, or adopt the database with a baseline (without --from-alembic)."
        )
    ordered: list[Revision] = []
    current: str | None = None
    while current in children or (current is None and None in children):
        following = children.get(current)
        if not following:
            break
        ordered.append(following[0])
        current = following[0].revision
    lost = [r.revision for r in revisions if r not in ordered]
    if lost:
        raise AdoptionRefused(
            f"--from-alembic: revisions {', '.join(lost)} follow revisions that are not in the "
            "directory. Nothing was written."
        )
    return ordered


def _description(revision: Revision) -> str:
    words = re.sub(r"[^0-9a-zA-Z]+", "_", revision.message).strip("_").lower()
    if revision.message.lower() in _NO_MESSAGE or not words:
        words = f"alembic_{revision.revision}"
    if not words[0].isalpha():
        words = f"alembic_{words}"
    return words[:_LONGEST_DESCRIPTION].rstrip("_")


def _source(revision: Revision, stem: str, description: str) -> str:
    title = revision.message if revision.message.lower() not in _NO_MESSAGE else description
    header = (
        f'"""{title}\n\nMigration {stem}, converted by migrate:adopt --from-alembic from the '
        f"Alembic revision {revision.revision}\n({revision.path.name}). Below the line: the "
        "revision as it was; its upgrade() and\ndowngrade() run with Alembic's op bound to "
        'the step\'s session.\n"""\n\n'
        "from flask_herogold_migrate import Migration, alembic_op\n\n"
        "# -- The Alembic revision, unchanged " + "-" * 54 + "\n"
    )
    body = _without_docstring(revision.source).strip("\n")
    footer = (
        "\n\n\n# -- The migration " + "-" * 72 + "\n\n\n"
        f"class {class_name(description)}(Migration):\n"
        "    def up(self, session):\n"
        "        with alembic_op(session):\n"
        "            upgrade()\n\n"
        "    def down(self, session):\n"
        "        with alembic_op(session):\n"
        "            downgrade()\n"
    )
    return header + body + footer


def _without_docstring(source: str) -> str:
    tree = ast.parse(source)
    first = tree.body[0] if tree.body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        lines = source.splitlines(keepends=True)
        return "".join(lines[first.end_lineno or 0 :])
    return source
