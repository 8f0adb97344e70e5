"""Several databases at once: the binds of an app, or its tenants.

A :class:`MigrationManager` migrates one database. A :class:`Target` names one and opens its
manager; :func:`run_each` runs the same work on many targets, ``jobs`` at a time on threads
(each run takes a connection of its own, as every run does), and returns what each gave or
the error it stopped with. One target's failure does not stop the others unless asked:
binds stop at the first failure, as their order matters to the app; tenants are independent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from ..errors import MigrationError, describe_error
from ..errors.interrupted import Interrupted
from ..manager import MigrationManager

R = TypeVar("R")

#: What a run did to one target: ``applied`` or ``rolled-back`` something, found nothing to
#: do (``up-to-date``, ``nothing-to-roll-back``), or ``failed``.
OutcomeState = Literal["applied", "up-to-date", "rolled-back", "nothing-to-roll-back", "failed"]
OUTCOME_STATES: tuple[OutcomeState, ...] = (
    "applied",
    "up-to-date",
    "rolled-back",
    "nothing-to-roll-back",
    "failed",
)


class BindFailed(MigrationError):
    """A run over several binds stopped at the first that failed; the ones after it did not run."""

    def __init__(
        self, message: str, *, bind: str, error: BaseException, not_run: tuple[str, ...] = ()
    ):
        super().__init__(message)
        self.bind = bind
        self.error = error
        self.not_run = not_run

    @classmethod
    def after(cls, bind: str, error: BaseException, not_run: list[str]) -> BindFailed:
        later = f" The binds after it were not migrated: {', '.join(not_run)}." if not_run else ""
        return cls(
            f"Bind {bind}: {describe_failure(error)}{later}",
            bind=bind,
            error=error,
            not_run=tuple(not_run),
        )


@dataclass(frozen=True)
class Target:
    """One database to migrate: a bind or a tenant, with how to open its manager.

    ``open`` returns a context manager, so a target with an engine of its own (a tenant given
    as a URL) disposes of it after its run. Its keyword arguments, if any, are what differs
    for this run (``progress``, ``single_transaction``: see ``MigrateSettings.manager``).
    """

    name: str
    open: Callable[..., AbstractContextManager[MigrationManager]] = field(compare=False)
    #: ``bind`` or ``tenant``: how messages and JSON documents call it.
    kind: str = "tenant"
    #: Its migrations directory, where known before it opens (tenants share one).
    directory: Path | None = field(default=None, compare=False)


def built_target(name: str, build: Callable[..., MigrationManager], kind: str = "bind") -> Target:
    """A target whose manager ``build(**run)`` makes (a bind, on the app's engine)."""

    @contextmanager
    def open_it(**run: Any) -> Iterator[MigrationManager]:
        yield build(**run)

    return Target(name, open_it, kind)


@dataclass(frozen=True)
class TargetResult(Generic[R]):
    """What the work gave on one target, or the error it stopped with."""

    target: Target
    value: R | None = None
    error: BaseException | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None

    @property
    def message(self) -> str | None:
        """The error as one line for a person, None if it succeeded."""
        return None if self.error is None else describe_failure(self.error)


def run_each(
    targets: Sequence[Target],
    work: Callable[[Target, MigrationManager], R],
    *,
    jobs: int = 1,
    stop_at_first_failure: bool = False,
    run: Callable[[Target], dict[str, Any]] = lambda target: {},
) -> list[TargetResult[R]]:
    """``work(target, manager)`` on every target, ``jobs`` at a time; results in target order.

    With ``stop_at_first_failure`` the targets run one after the other and the list ends with
    the first that failed: the ones after it were not run. ``run(target)`` gives the keyword
    arguments its manager is opened with (``target.open(**run(target))``).
    """
    if jobs < 1:
        raise ValueError("jobs must be 1 or more")

    def one(target: Target) -> TargetResult[R]:
        try:
            with target.open(**run(target)) as manager:
                return TargetResult(target, work(target, manager))
        except Exception as error:  # reported with the target; KeyboardInterrupt still stops
            return TargetResult(target, error=error)

    if stop_at_first_failure or jobs == 1 or len(targets) <= 1:
        results: list[TargetResult[R]] = []
        for index, target in enumerate(targets):
            try:
                results.append(one(target))
            except KeyboardInterrupt as interrupt:
                if len(targets) == 1:  # one database: the interrupt says all there is
                    raise
                done = tuple(r.target.name for r in results)
                later = tuple(t.name for t in targets[index + 1 :])
                if isinstance(interrupt, Interrupted):
                    interrupt.at_target(target.kind, target.name, done, later)
                    raise
                stopped = Interrupted(None).at_target(target.kind, target.name, done, later)
                raise stopped from interrupt
            if stop_at_first_failure and results[-1].failed:
                break
        return results
    from concurrent.futures import ThreadPoolExecutor  # only for --jobs: commands start faster

    with ThreadPoolExecutor(max_workers=min(jobs, len(targets))) as pool:
        return list(pool.map(one, targets))


@dataclass(frozen=True)
class TargetOutcome:
    """One target of a migrate, rollback or reset over many: what it did, or its error."""

    target: str
    state: OutcomeState
    #: The migrations applied or rolled back, in the order they ran.
    migrations: list[str]
    error: str | None = None
    #: The error itself, for callers that act on it; not part of the JSON document.
    exception: BaseException | None = field(default=None, compare=False, repr=False)

    def to_json(self, kind: str) -> dict[str, Any]:
        return {
            kind: self.target,
            "state": self.state,
            "migrations": self.migrations,
            "error": self.error,
        }


@dataclass(frozen=True)
class RunSummary:
    """Every target of a run over many, in order, and those not run after a failure."""

    kind: str
    outcomes: list[TargetOutcome]
    not_run: list[str] = field(default_factory=list)

    def named(self, state: OutcomeState) -> list[TargetOutcome]:
        return [outcome for outcome in self.outcomes if outcome.state == state]

    @property
    def failed(self) -> list[TargetOutcome]:
        return self.named("failed")

    def counts(self) -> dict[OutcomeState, int]:
        return {state: len(self.named(state)) for state in OUTCOME_STATES}

    def to_json(self) -> dict[str, Any]:
        """The document of ``migrate --all-tenants --json`` (see the CLI docs)."""
        return {
            f"{self.kind}s": [outcome.to_json(self.kind) for outcome in self.outcomes],
            "counts": {state: n for state, n in self.counts().items() if n},
            "not_run": self.not_run,
        }


def summarize(
    kind: str,
    targets: Sequence[Target],
    results: Sequence[TargetResult[list[str]]],
    *,
    done: OutcomeState,
    nothing: OutcomeState,
) -> RunSummary:
    """The summary of a run whose work returned the names it applied or rolled back."""
    outcomes = []
    for result in results:
        if result.error is not None:
            completed = getattr(result.error, "completed", ())
            outcome = TargetOutcome(
                result.target.name,
                "failed",
                list(completed),
                result.message,
                exception=result.error,
            )
        else:
            names = result.value or []
            outcome = TargetOutcome(result.target.name, done if names else nothing, names)
        outcomes.append(outcome)
    ran = {result.target.name for result in results}
    return RunSummary(kind, outcomes, [t.name for t in targets if t.name not in ran])


def describe_failure(error: BaseException) -> str:
    """One line, as the commands print an error: our message, or the database's first line."""
    if isinstance(error, MigrationError):
        return str(error)
    if isinstance(error, SQLAlchemyError):
        orig = getattr(error, "orig", None)
        lines = str(orig if orig is not None else error).strip().splitlines()
        return f"Database error: {lines[0] if lines else error}"
    return describe_error(error)
