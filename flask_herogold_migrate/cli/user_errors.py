"""Errors a user can cause, shown as one message and exit status 1, never a traceback."""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from ..core import MigrationError
from .output import failure


@contextmanager
def user_errors(*, show_traceback: bool = False) -> Iterator[None]:
    """Turn what a user can cause into one message and exit status 1, never a traceback.

    ``show_traceback`` prints the full chained traceback first (``--traceback``).
    """
    try:
        yield
    except KeyboardInterrupt as interrupt:
        # Click would say "Aborted!" only: what the run left decides what to run next.
        if show_traceback:
            click.echo("".join(traceback.format_exception(interrupt)).rstrip(), err=True)
        click.echo(f"Error: {_interrupted(interrupt)}", err=True)
        raise click.exceptions.Exit(130) from None  # the shell's status for Ctrl-C
    except (MigrationError, SQLAlchemyError) as error:
        if show_traceback:
            click.echo("".join(traceback.format_exception(error)).rstrip(), err=True)
        if isinstance(error, MigrationError):
            raise click.ClickException(failure(str(error))) from None
        if not isinstance(error, DBAPIError):  # the models or the statement, not the server
            first = (str(error).strip().splitlines() or [""])[0]
            raise click.ClickException(f"{type(error).__name__}: {first}") from None
        orig = getattr(error, "orig", None)
        detail = str(orig if orig is not None else error).strip().splitlines()
        raise click.ClickException(f"Database error: {detail[0] if detail else error}") from None


def _interrupted(interrupt: KeyboardInterrupt) -> str:
    from ..core.errors.interrupted import Interrupted

    if isinstance(interrupt, Interrupted):
        return interrupt.describe()
    describe = getattr(interrupt, "describe", None)  # a command's own account of it
    if callable(describe):
        return str(describe())
    return (
        "Interrupted while no migration was running, so none was left half-done. "
        "migrate:status shows where the database stands."
    )
