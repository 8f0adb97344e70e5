"""Post-deploy migrations: the contract half of expand / contract, run once the new code is out.

A migration says it is one with ``post_deploy = True`` in its class body. Whether a pending
file says so is read from its source text, never by importing it: a run that skips them, the
wait for the schema and ``migrate:status`` stay as cheap as the startup check. Only pending
files are read, and only when some are pending.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigurationError

if TYPE_CHECKING:
    from ..files.discovery import MigrationFile
    from ..migration import Migration

# At class-body indentation, with or without an annotation (``post_deploy: ClassVar[bool]``).
_DECLARED = re.compile(r"^[ \t]+post_deploy[ \t]*(?::[^=\n]*)?=[ \t]*True\b", re.MULTILINE)


def declares_post_deploy(path: Path) -> bool:
    """Whether the migration file at ``path`` sets ``post_deploy = True``."""
    try:
        return _DECLARED.search(path.read_text(encoding="utf-8", errors="replace")) is not None
    except OSError:  # a file gone since it was listed is the loader's to report
        return False


def is_post_deploy(file: MigrationFile) -> bool:
    """Whether the pending migration ``file`` is post-deploy (reads its text once asked)."""
    return declares_post_deploy(file.path)


def post_deploy_names(directory: Path, names: Iterable[str]) -> frozenset[str]:
    """Those of the migrations ``names`` (files of ``directory``) that are post-deploy."""
    return frozenset(name for name in names if declares_post_deploy(directory / f"{name}.py"))


def check_declared(files: Sequence[MigrationFile], migrations: Sequence[Migration]) -> None:
    """Refuse a loaded migration whose ``post_deploy`` the file's text does not show.

    Set in a base class or computed, the flag would be invisible to the checks that read
    only the text (the wait for the schema, ``--skip-post-deploy``), which would then
    disagree with the run.
    """
    for file, migration in zip(files, migrations, strict=True):
        if bool(getattr(migration, "post_deploy", False)) != declares_post_deploy(file.path):
            raise ConfigurationError(
                f"{file.name} sets post_deploy in a way its file does not show: write "
                "post_deploy = True (or leave it out) in the migration's own class body."
            )
