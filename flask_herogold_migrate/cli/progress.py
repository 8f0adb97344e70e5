"""Progress on a terminal: colour for what was applied, what failed and warnings.

Click strips the colour when the stream is not a terminal (a pipe, a log file, CI), and
``NO_COLOR`` (https://no-color.org) turns it off everywhere.
"""

from __future__ import annotations

import os

import click

from ..core import Progress


def colour() -> bool | None:
    """False when ``NO_COLOR`` is set; else None, which lets Click decide per stream."""
    return False if os.environ.get("NO_COLOR") else None


def styled(progress: Progress) -> str:
    text = progress.describe()
    if progress.event == "done":
        return click.style(text, fg="green")
    if progress.event == "still_running":
        return click.style(text, fg="cyan")
    if progress.is_warning:
        return click.style(text, fg="yellow")
    return text


def echo_progress(progress: Progress, *, err: bool = False) -> None:
    click.echo(styled(progress), err=err or progress.is_warning, color=colour())


def failure(message: str) -> str:
    """An error's message, in red where colour is shown."""
    return message if colour() is False else click.style(message, fg="red")
