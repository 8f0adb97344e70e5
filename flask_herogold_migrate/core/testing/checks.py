"""Testing the migrations themselves (``migrate:test``): four checks, on a throwaway database.

1. **files**: no misnamed file, no two migrations of one day with the same description, every
   file loads (no database needed);
2. **from empty**: every migration applies, in order, on an empty database;
3. **round trip**: for each migration in order, ``up()``, ``down()``, ``up()``; after
   ``down()`` the schema is exactly what it was before ``up()``, and after ``up()`` again what
   it was after the first;
4. **models match**: after the last migration, the models and the schema have no difference.

Checks 2 to 4 run in :mod:`.check_pass`, on databases made by :mod:`.throwaway`. Each check
gives one :class:`CheckResult` per migration (the models check one in all), so a report, the
command's output and the pytest tests built from it name the migration and the difference.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import BrokenMigrationFile
from ..files.discovery import discover, list_stems, misnamed
from ..files.loader import load_migration
from .results import CHECK_TITLES, CHECKS, CheckName, CheckReport, CheckResult, Outcome

__all__ = [
    "CHECKS",
    "CHECK_TITLES",
    "CheckName",
    "CheckReport",
    "CheckResult",
    "Outcome",
    "planned_checks",
    "run_checks",
]

if TYPE_CHECKING:
    from sqlalchemy import MetaData
    from sqlalchemy.engine.url import URL

ResultCallback = Callable[[CheckResult], None]


def run_checks(
    url: str | URL,
    migrations_dir: str | os.PathLike[str],
    *,
    tracking_table: str = "migrations",
    metadata: MetaData | Sequence[MetaData] | None = None,
    on_result: ResultCallback | None = None,
    on_database: Callable[[str], None] | None = None,
    with_rows: bool = False,
) -> CheckReport:
    """Run the four checks of the migrations in ``migrations_dir``; return every result.

    The migrations run on throwaway databases made beside the database of ``url``, which is
    never touched, and dropped at the end whatever happens. ``metadata`` holds the models
    (none given: the models check is skipped). ``on_result`` hears each result as it is
    made; ``on_database``, how messages name the throwaway database, once it exists.
    ``with_rows`` puts a generated row in each empty table before each step, so a step that
    cannot keep its rows fails (see :mod:`.seed_rows`).
    """
    from .check_pass import CheckPass
    from .throwaway import throwaway_databases

    directory = Path(migrations_dir)
    stems = list_stems(directory)
    results: list[CheckResult] = []

    def report(result: CheckResult) -> None:
        results.append(result)
        if on_result is not None:
            on_result(result)

    for result in check_files(directory, stems):
        report(result)
    with throwaway_databases(url) as server:
        checks = CheckPass(
            server,
            directory,
            discover(directory, stems),
            tracking_table=tracking_table,
            metadata=metadata,
            report=report,
            with_rows=with_rows,
        )
        database = checks.run(on_database)
    return CheckReport(database, tuple(results))


def check_files(directory: Path, stems: list[str] | None = None) -> list[CheckResult]:
    """The files check: one result per migration file, and one per misnamed file."""
    if stems is None:
        stems = list_stems(directory)
    results = [
        CheckResult("files", stem, "failed", (f"misnamed, so it never runs: {reason}",))
        for stem, reason in misnamed(stems)
    ]
    first_of: dict[tuple[str, str], str] = {}
    for file in discover(directory, stems):
        problems = []
        # Case folded: on a case-insensitive file system or collation they are one name.
        first = first_of.setdefault(
            (file.parsed.date, file.parsed.description.casefold()), file.name
        )
        if first != file.name:
            problems.append(f"same day and description as {first}")
        try:
            load_migration(file)
        except BrokenMigrationFile as error:
            problems.append(str(error))
        results.append(
            CheckResult("files", file.name, "failed" if problems else "passed", tuple(problems))
        )
    return results


def planned_checks(directory: Path) -> list[tuple[CheckName, str | None]]:
    """The results a run will give, known from the file names alone (for pytest's test ids)."""
    stems = list_stems(directory)
    names = [file.name for file in discover(directory, stems)]
    planned: list[tuple[CheckName, str | None]] = [("files", stem) for stem, _ in misnamed(stems)]
    planned += [("files", name) for name in names]
    planned += [(check, name) for check in ("from_empty", "round_trip") for name in names]
    planned.append(("models_match", None))
    return planned
