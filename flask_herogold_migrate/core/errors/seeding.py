"""Errors of seeding (``migrate:seed``, ``--seed``): each says what to do."""

from __future__ import annotations

from pathlib import Path

from .base import MigrationError


class BrokenSeederFile(MigrationError):
    """A seeder file cannot be imported, or does not define exactly one ``Seeder``."""


class SeedersNotFound(MigrationError):
    """No seeder to run: the directory is missing or empty, or a name given is not a file."""


class SeederNotCreated(MigrationError):
    """``migrate:make NAME --seeder`` could not write the file."""


class MigrationsPending(MigrationError):
    """Seeders write rows into the migrated schema: they wait until nothing is pending."""

    def __init__(self, pending: tuple[str, ...]) -> None:
        shown = ", ".join(pending[:3]) + (", ..." if len(pending) > 3 else "")
        super().__init__(
            f"{len(pending)} migration(s) not applied ({shown}): seeders run on a fully "
            "migrated database. Run migrate first (or migrate:fresh --seed). No seeder ran."
        )
        self.pending = pending


class SeederFailed(MigrationError):
    """A seeder raised: its rows were rolled back, the seeders before it kept theirs."""

    def __init__(
        self,
        seeder: str,
        error: BaseException,
        *,
        path: Path,
        line: int | None,
        ran: tuple[str, ...],
    ) -> None:
        from . import describe_error

        where = f"{path}, line {line}" if line else str(path)
        before = (
            f"The seeders before it ran and kept their rows: {', '.join(ran)}."
            if ran
            else "No seeder ran before it."
        )
        super().__init__(
            f"Seeder {seeder} failed ({where}): {describe_error(error)}. Its rows were rolled "
            f"back; the seeders after it did not run. {before}"
        )
        self.seeder = seeder
        self.error = error
        self.path = path
        self.line = line
        self.ran = ran
        self.completed = ran
