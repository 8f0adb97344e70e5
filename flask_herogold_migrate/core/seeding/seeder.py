"""The base class of a seeder file's one class, as Laravel's ``Seeder`` is."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlmodel import Session


class Seeder:
    """Writes rows into a migrated database. A seeder file defines one subclass::

        class UsersSeeder(Seeder):
            def run(self, session):
                session.add(User(name="Ada"))

    ``run`` gets a SQLModel session joined to the seeder's transaction: what it adds is
    committed when it returns, or rolled back, all of it, if it raises.
    :meth:`call` runs other seeders in the same transaction, as Laravel's
    ``DatabaseSeeder`` does.
    """

    #: The session of the run, set before :meth:`run` is called.
    session: Session

    def run(self, session: Session) -> None:
        """Write this seeder's rows with ``session``."""
        raise NotImplementedError(f"{type(self).__name__} must define run(self, session)")

    def call(self, *seeders: type[Seeder]) -> None:
        """Run each of ``seeders`` now, with this seeder's session and transaction."""
        for seeder in seeders:
            seeder().start(self.session)

    def start(self, session: Session) -> None:
        """Run this seeder with ``session`` (the runner and :meth:`call` use this)."""
        self.session = session
        run: Callable[[Session], object] = self.run  # an async def returns something
        result = run(session)
        if inspect.isawaitable(result) or inspect.isgenerator(result):
            close = getattr(result, "close", None)
            if callable(close):
                close()
            raise TypeError(
                f"{type(self).__name__}.run() did none of its work (it returned "
                f"{type(result).__name__}): it must be a plain def, which is called, never "
                "awaited"
            )
