"""The checks that need a database (from empty, round trip, models match), in one pass.

From an empty throwaway database, each migration in order is applied as a batch of its own
(the from-empty check), then rolled back and applied again (the round trip), with the schema
reflected in between (:mod:`.snapshot`), each on a connection kept for the whole database
(:mod:`.pass_database`). After the last one, the models are compared with the schema
(:func:`.compare.compare_models`).

A round trip that goes wrong leaves the database in a state no later check should start
from (an index ``down()`` forgot, a half-done step on MariaDB): the pass then goes on from a
new throwaway database with the migrations applied up to there, so each later migration is
still checked, and checked alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import (
    BrokenMigrationFile,
    FailedMigrationRecorded,
    MigrationError,
    MigrationFailed,
    MigrationNamesCollide,
    describe_error,
)
from ..files.discovery import MigrationFile
from .pass_database import PassDatabase
from .results import CheckName, CheckResult
from .snapshot import SchemaDifference, SchemaSnapshot, differences
from .throwaway import ThrowawayServer

if TYPE_CHECKING:
    from sqlalchemy import MetaData

#: What a migration can cause when it runs, as opposed to what the server or the setup can.
_MIGRATION_FAULTS = (
    MigrationFailed,
    BrokenMigrationFile,
    MigrationNamesCollide,
    FailedMigrationRecorded,
)


class CheckPass:
    """Runs the database checks of ``files`` on databases of ``server``, reporting each."""

    def __init__(
        self,
        server: ThrowawayServer,
        directory: Path,
        files: list[MigrationFile],
        *,
        tracking_table: str,
        metadata: MetaData | Sequence[MetaData] | None,
        report: Callable[[CheckResult], None],
        with_rows: bool = False,
    ) -> None:
        self._server = server
        self._directory = directory
        self._files = files
        self._tracking_table = tracking_table
        self._metadata = _as_list(metadata)
        self._report = report
        #: Before each step, a generated row in each empty table (see :mod:`.seed_rows`).
        self._with_rows = with_rows
        self._database: PassDatabase | None = None
        #: The last migration applied: what a fresh database is brought up to.
        self._applied_through: str | None = None
        #: Whether the database is as the migrations up to ``_applied_through`` leave it.
        self._clean = True
        #: Why the checks after a failure cannot run (None: they can).
        self._blocked: str | None = None

    def run(self, on_database: Callable[[str], None] | None = None) -> str:
        """Run every check; return how messages name the (first) throwaway database."""
        try:
            return self._run_checks(on_database)
        finally:
            if self._database is not None:
                self._database.close()

    def _run_checks(self, on_database: Callable[[str], None] | None) -> str:
        description = self._fresh_database()
        if on_database is not None:
            on_database(description)
        before = self._snapshot()
        for file in self._files:
            if self._blocked is not None:
                self._skip(("from_empty", "round_trip"), file.name, self._blocked)
                continue
            if not self._clean:
                self._rebuild()
                if self._blocked is not None:
                    self._skip(("from_empty", "round_trip"), file.name, self._blocked)
                    continue
            failure = self._up(file)
            if failure is not None:
                self._report(CheckResult("from_empty", file.name, "failed", (f"up() {failure}",)))
                self._skip(("round_trip",), file.name, "not run: its up() failed")
                self._blocked = f"not run: {file.name} did not apply"
                continue
            self._report(CheckResult("from_empty", file.name, "passed"))
            self._applied_through = file.name
            after_up = self._snapshot()
            problems = self._round_trip(file, before, after_up)
            self._report(
                CheckResult(
                    "round_trip", file.name, "failed" if problems else "passed", tuple(problems)
                )
            )
            before = after_up
        self._check_models()
        return description

    # -- the checks ----------------------------------------------------------------------

    def _round_trip(
        self, file: MigrationFile, before: SchemaSnapshot, after_up: SchemaSnapshot
    ) -> list[str]:
        """``down()`` then ``up()`` again; what went wrong, if anything."""
        failure = self._down()
        if failure is not None:
            self._clean = False
            return [f"down() {failure}"]
        problems = [_after_down(d) for d in differences(before, self._snapshot())]
        failure = self._up(file)
        if failure is not None:
            self._clean = False
            return [*problems, f"up() after down() {failure}"]
        again = differences(after_up, self._snapshot())
        self._clean = not again
        return problems + [_after_up_again(d) for d in again]

    def _check_models(self) -> None:
        if not any(item.tables for item in self._metadata):
            self._skip(("models_match",), None, "no models found")
            return
        if self._blocked is None and not self._clean:
            self._rebuild()
        if self._blocked is not None:
            self._skip(("models_match",), None, self._blocked)
            return
        from ..autogenerate.compare import compare_models

        with self._current.database.engine.connect() as conn:
            found = compare_models(conn, self._metadata, tracking_table=self._tracking_table)
        problems = tuple(
            f"the models differ from the schema the migrations make: {d.describe()}" for d in found
        )
        self._report(
            CheckResult("models_match", None, "failed" if problems else "passed", problems)
        )

    def _skip(self, checks: Sequence[CheckName], migration: str | None, why: str) -> None:
        for check in checks:
            self._report(CheckResult(check, migration, "skipped", (why,)))

    # -- the database --------------------------------------------------------------------

    @property
    def _current(self) -> PassDatabase:
        assert self._database is not None, "run() makes the database first"
        return self._database

    def _fresh_database(self) -> str:
        if self._database is not None:
            self._database.close()
            self._server.drop(self._database.database)
        made = self._server.create()
        self._database = PassDatabase(made, self._directory, self._tracking_table)
        self._clean = True
        return made.description

    def _rebuild(self) -> None:
        """Go on from a new database, with the migrations applied up to where the pass is."""
        self._fresh_database()
        if self._applied_through is None:
            return
        try:
            self._current.apply(self._applied_through)
        except _MIGRATION_FAULTS as error:
            self._blocked = (
                f"not run: the migrations up to {self._applied_through} did not apply again on "
                f"a new database: {_describe(error)}"
            )

    def _up(self, file: MigrationFile) -> str | None:
        """Apply ``file`` as a batch of its own; how it failed, or None."""
        self._seed()
        try:
            self._current.apply(file.name)
        except _MIGRATION_FAULTS as error:
            return f"failed: {_describe(error)}"
        return None

    def _down(self) -> str | None:
        """Roll back the last batch; how it failed, or None."""
        self._seed()
        try:
            self._current.roll_back()
        except _MIGRATION_FAULTS as error:
            return f"failed: {_describe(error)}"
        return None

    def _seed(self) -> None:
        if self._with_rows:
            from .seed_rows import fill_empty_tables

            fill_empty_tables(self._current.database.engine, exclude=(self._tracking_table,))

    def _snapshot(self) -> SchemaSnapshot:
        return self._current.snapshot()


def _describe(error: MigrationError) -> str:
    if isinstance(error, MigrationFailed):
        where = f" (at {error.location.describe()})" if error.location else ""
        return f"{describe_error(error.error)}{where}"
    return str(error)


def _after_down(difference: SchemaDifference) -> str:
    if difference.change == "extra":
        return f"down() left {difference.named}"
    if difference.change == "missing":
        return f"down() dropped {difference.named}, which was there before up()"
    return (
        f"down() left {difference.named} changed: {difference.after}; before up(): "
        f"{difference.before}"
    )


def _after_up_again(difference: SchemaDifference) -> str:
    if difference.change == "extra":
        return f"up() after down() made {difference.named}, which the first up() did not"
    if difference.change == "missing":
        return f"up() after down() did not make {difference.named}, which the first up() did"
    return (
        f"up() after down() made {difference.named} as {difference.after}; the first up() "
        f"as {difference.before}"
    )


def _as_list(metadata: MetaData | Sequence[MetaData] | None) -> list[MetaData]:
    if metadata is None:
        return []
    if isinstance(metadata, Sequence):
        return list(metadata)
    return [metadata]
