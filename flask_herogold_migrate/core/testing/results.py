"""What the migration checks (``migrate:test``) report: one result per check and migration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

CheckName = Literal["files", "from_empty", "round_trip", "models_match"]

#: Every check, in the order it runs.
CHECKS: tuple[CheckName, ...] = ("files", "from_empty", "round_trip", "models_match")

#: How messages name each check.
CHECK_TITLES: dict[CheckName, str] = {
    "files": "files",
    "from_empty": "from empty",
    "round_trip": "round trip",
    "models_match": "models match",
}

Outcome = Literal["passed", "failed", "skipped"]


@dataclass(frozen=True)
class CheckResult:
    """One check of one migration (the models check: of all of them, ``migration`` None)."""

    check: CheckName
    migration: str | None
    outcome: Outcome
    #: What is wrong, one line each, when it failed; why it did not run, when skipped.
    problems: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return self.outcome == "failed"

    def describe(self) -> str:
        """The problems, each on a line naming the migration: ``NAME: down() left index ix``."""
        prefix = f"{self.migration}: " if self.migration else ""
        return "\n".join(f"{prefix}{problem}" for problem in self.problems)

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "migration": self.migration,
            "outcome": self.outcome,
            "problems": list(self.problems),
        }


@dataclass(frozen=True)
class CheckReport:
    """Every result of a run of the checks, in the order they were made."""

    #: How messages name the throwaway database the checks ran on.
    database: str
    results: tuple[CheckResult, ...]

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def failures(self) -> list[CheckResult]:
        return [result for result in self.results if result.failed]

    def result(self, check: CheckName, migration: str | None) -> CheckResult | None:
        """The result of ``check`` for ``migration`` (None for the models check)."""
        for result in self.results:
            if result.check == check and result.migration == migration:
                return result
        return None

    def counts(self) -> dict[Outcome, int]:
        found: dict[Outcome, int] = {"passed": 0, "failed": 0, "skipped": 0}
        for result in self.results:
            found[result.outcome] += 1
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "database": self.database,
            "counts": self.counts(),
            "results": [result.to_json() for result in self.results],
        }
