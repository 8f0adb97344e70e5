"""Asking before a command undoes or rewrites history, as Laravel does in production.

``HEROGOLD_MIGRATE_PROTECTED`` marks a database as one whose history must not change by
accident: ``migrate:rollback``, ``migrate:reset`` and ``migrate:repair`` then ask at a terminal
and refuse without one, unless ``--force`` is given. A forward ``migrate`` and auto-run are
never asked: they only add.
"""

from __future__ import annotations

import sys

import click


def stdin_is_a_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def confirm(
    *, protected: bool, force: bool, command: str, consequence: str, always: bool = False
) -> None:
    """Ask before ``command`` does ``consequence``; :class:`click.Abort` on no.

    ``always``: the command asks even where the database is not protected (reset, repair),
    reading the answer from standard input whatever it is.
    """
    if force:
        return
    if protected and not stdin_is_a_terminal():
        raise click.ClickException(
            f"HEROGOLD_MIGRATE_PROTECTED is on, so {command} asks before it {consequence}, and "
            "there is no terminal to ask at. Nothing was done. Pass --force to go on."
        )
    if protected:
        question = f"HEROGOLD_MIGRATE_PROTECTED is on: {command} {consequence}. Continue?"
    elif always:
        question = f"{command} {consequence}. Continue?"
    else:
        return
    # On standard error, so a command whose output is redirected still shows its question.
    try:
        confirmed = click.confirm(question, err=True)
    except click.Abort:  # end of input, or Ctrl-C at the question
        confirmed = False
    if not confirmed:
        raise click.ClickException(
            f"Not confirmed: {command} did nothing. Pass --force to go on without the question."
        )
