"""The base class every migration file subclasses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:  # sqlmodel (and pydantic) is imported only when a migration really runs
    from sqlmodel import Session


class Migration:
    """One step of schema or data change, defined in its own file.

    Subclass it once per file and implement :meth:`up` and :meth:`down`. Both receive a
    :class:`sqlmodel.Session` bound to the connection the runner controls: the migration and
    its row in the tracking table commit together, and ``session.commit()`` inside a
    migration only ends a savepoint, never the runner's transaction. ``schema(session)``
    gives Alembic's schema operations on that same connection and transaction.
    """

    #: Set to False for statements that refuse to run inside a transaction, such as
    #: PostgreSQL's ``CREATE INDEX CONCURRENTLY`` or SQLite's ``VACUUM``. Each statement then
    #: commits on its own, and the migration is recorded as running until it ends, so a failure
    #: half-way leaves a visible ``failed`` record (see ``migrate:repair``) instead of a silent
    #: half-applied change.
    transactional: ClassVar[bool] = True

    #: Set to True for a post-deploy migration (the contract step of expand / contract):
    #: ``migrate --skip-post-deploy``, auto-run and the wait for the schema leave it pending,
    #: and a plain ``migrate`` after the deploy applies it. Write it literally in the class
    #: body: it is read from the file's text, without importing it.
    post_deploy: ClassVar[bool] = False

    #: Rules of ``migrate:lint`` this migration is exempt from, by name, for example
    #: ``["require-concurrent-index-creation"]`` for an index on a table known to be small.
    lint_ignore: ClassVar[Sequence[str]] = ()

    #: The migrations this one replaces (``migrate:squash`` writes it). On a database where
    #: all of them are applied, this one is recorded as applied in their place without
    #: running; where none is, it runs instead of them.
    replaces: ClassVar[Sequence[str]] = ()

    #: Set by the loader: the migration's name, which is its file stem.
    name: ClassVar[str] = ""

    def up(self, session: Session) -> None:
        """Apply the change."""
        raise NotImplementedError(f"{type(self).__name__} does not implement up()")

    def down(self, session: Session) -> None:
        """Undo what :meth:`up` did."""
        raise NotImplementedError(f"{type(self).__name__} does not implement down()")
