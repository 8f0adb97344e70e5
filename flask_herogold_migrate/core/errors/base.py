"""The base of every error this package raises on purpose."""

from __future__ import annotations


class MigrationError(Exception):
    """Base class of every error this package raises on purpose.

    Its message is one readable paragraph: the CLI prints it without a traceback.
    """

    #: The migrations of the run that had committed before it stopped with this error, in
    #: the order they ran: applied (or undone) and recorded, whatever came after.
    completed: tuple[str, ...] = ()
