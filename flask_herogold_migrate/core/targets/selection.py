"""Which databases a command runs on, as a plan the command line shows.

Every command body runs over a list of targets: one database is a list of one (as
Flask-SQLAlchemy's ``_call_for_binds`` treats one bind). The host (the Flask app, or the
standalone command) knows its databases and offers them through a :class:`TargetSource`;
:func:`plan_targets` turns the options a user gave into a :class:`TargetPlan`: the targets in
the order they run, how many at a time, and whether the first failure stops the others.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from ..files.discovery import list_stems
from .runs import Target

#: ``database``: the one database a command runs on when no option chose another.
TargetKind = Literal["database", "bind", "tenant"]


@dataclass(frozen=True)
class Selection:
    """What ``--bind``, ``--all-binds``, ``--tenant``, ``--all-tenants`` and ``--jobs`` say."""

    bind: str | None = None
    all_binds: bool = False
    tenant: str | None = None
    all_tenants: bool = False
    jobs: int = 1

    @property
    def many(self) -> bool:
        return self.all_binds or self.all_tenants

    @property
    def kind(self) -> TargetKind:
        if self.all_binds or self.bind is not None:
            return "bind"
        if self.all_tenants or self.tenant is not None:
            return "tenant"
        return "database"

    def given(self) -> list[str]:
        """The options given, as a user typed them."""
        return [
            option
            for option, value in (
                ("--bind", self.bind is not None),
                ("--all-binds", self.all_binds),
                ("--tenant", self.tenant is not None),
                ("--all-tenants", self.all_tenants),
            )
            if value
        ]


class TargetSource(Protocol):
    """The databases a host offers its commands (the Flask app's binds and tenants, or the
    standalone command's database and tenants)."""

    #: The kinds of ``--bind``/``--tenant`` options this host takes: binds are a
    #: Flask-SQLAlchemy concept, so the standalone command offers only ``("tenant",)``.
    kinds: tuple[TargetKind, ...]

    def targets(
        self, selection: Selection, directory: Path | None, extra: dict[str, Any]
    ) -> AbstractContextManager[list[Target]]:
        """The selected targets, for the duration of a command; ``extra`` holds the host's
        own options (``database_url``...)."""
        ...

    def tenant_dir(self, extra: dict[str, Any]) -> Path:
        """The directory every tenant shares (``HEROGOLD_MIGRATE_TENANT_DIR``)."""
        ...


@dataclass(frozen=True)
class TargetPlan:
    """The databases one command runs on, in the order it runs them."""

    kind: TargetKind
    targets: tuple[Target, ...]
    #: True for ``--all-binds`` or ``--all-tenants``, even when that is one database: the
    #: output then names each target, and a summary follows.
    many: bool
    #: How many targets run at once (tenants only; binds run one after the other).
    jobs: int
    #: Binds stop at the first failure, since an app rarely works with one of its databases
    #: ahead of another; tenants are independent, so each runs to its end.
    stop_at_first_failure: bool

    @property
    def names(self) -> list[str]:
        return [target.name for target in self.targets]


@contextmanager
def plan_targets(
    source: TargetSource, selection: Selection, directory: Path | None, extra: dict[str, Any]
) -> Iterator[TargetPlan]:
    """The plan of ``selection`` on ``source``, while the command runs.

    Checked before anything runs: the tenants (by the source), and the directory the tenants
    share, once for all of them rather than once in each tenant's error.
    """
    with source.targets(selection, directory, extra) as targets:
        shared = {target.directory for target in targets if target.directory is not None}
        if selection.all_tenants and len(shared) == 1:
            list_stems(next(iter(shared)))  # raises MigrationsDirectoryNotFound
        yield TargetPlan(
            kind=selection.kind,
            targets=tuple(targets),
            many=selection.many,
            jobs=selection.jobs if selection.all_tenants else 1,
            stop_at_first_failure=selection.all_binds,
        )
