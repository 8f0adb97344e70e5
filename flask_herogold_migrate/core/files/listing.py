"""The names in the migrations directory as one digest, so the startup check compares one value.

The startup check asks one question, whether the set of migration names on disk is the set the
tracking table records as applied; both sides reduce to a digest of their sorted names
(:func:`names_digest`), and the database keeps its side in one row (:mod:`..tracking.digest`).

Listing a directory of thousands of files, and sorting and hashing the names, grows with the
number of files. Every entry added, removed or renamed in a directory changes its modification
time, so the digest is kept in ``__pycache__`` beside the bytecode, under the directory's
identity and times, and a start whose directory did not change reads that instead of listing.
A directory changed within the last seconds is not cached: a file system's clock is coarse,
and a change in the same tick as the listing would leave its time as it was (git's "racy"
entries). Where ``__pycache__`` cannot be written, the directory is listed each time.

Only names that start with a digit count: migrations do, and so do the misnamed files meant as
migrations, which the full check reports; ``__init__.py`` and helpers do not.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable
from pathlib import Path

from .discovery import list_stems

#: Bumped when what the digest covers changes, so an old cache is never read as a new one.
_VERSION = "1"
_CACHE = "herogold-migrate-names"
#: A directory changed more recently than this is listed, not cached.
_SETTLED_NS = 2_000_000_000


def names_digest(lines: Iterable[str]) -> str:
    """SHA-256 of the lines, sorted: the same set gives the same digest in any order."""
    return hashlib.sha256("\n".join(sorted(lines)).encode("utf-8", "surrogateescape")).hexdigest()


def migration_like(stems: Iterable[str]) -> list[str]:
    """The stems that count for the digest: those starting with a digit."""
    return [stem for stem in stems if stem[:1].isdigit()]


class DirectoryNames:
    """The stems of one directory, listed at most once, and their digest, cached across starts."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self._stems: list[str] | None = None

    @property
    def stems(self) -> list[str]:
        """Every ``.py`` stem, unordered (see :func:`.list_stems`)."""
        if self._stems is None:
            self._stems = list_stems(self.dir)
        return self._stems

    def digest(self) -> str:
        """The digest of the migration-like stems, from the cache when the directory is as then."""
        try:
            info = os.stat(self.dir)
        except OSError:
            return names_digest(migration_like(self.stems))  # raises the directory's error
        key = f"{_VERSION} {info.st_dev} {info.st_ino} {info.st_mtime_ns} {info.st_ctime_ns}"
        cache = self.dir / "__pycache__" / _CACHE
        try:
            cached_key, _, cached = cache.read_text(encoding="ascii").partition("\n")
        except (OSError, ValueError):
            cached_key, cached = "", ""
        if cached_key == key and len(cached) == 64:
            return cached
        digest = names_digest(migration_like(self.stems))
        # Every entry added, removed or renamed sets the time to now: an older one cannot hide
        # a change made in the tick the directory was listed.
        if time.time_ns() - info.st_mtime_ns > _SETTLED_NS:
            _write_quietly(cache, f"{key}\n{digest}")
        return digest


def _write_quietly(path: Path, content: str) -> None:
    """Write through a new file renamed over the old, so a reader never sees half of it."""
    try:
        path.parent.mkdir(exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        temporary.write_text(content, encoding="ascii")
        os.replace(temporary, path)
    except OSError:
        pass  # a read-only deploy lists the directory at each start instead
