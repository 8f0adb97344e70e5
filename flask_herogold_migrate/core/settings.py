"""Reading settings that arrive as text (environment variables, config files) or as values.

The Flask config and the standalone command's environment share these rules, so a setting
means the same wherever it is given, and a value that means nothing is an error that names
the setting instead of a silent default: ``"false"`` must not be true because it is a
non-empty string.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal, TypeVar

from .errors import ConfigurationError

Choice = TypeVar("Choice", bound=str)

#: What ``HEROGOLD_MIGRATE_AUTO`` asks of ``init_app()``: nothing, apply pending migrations,
#: or wait until another process has applied them.
AutoMode = Literal["off", "run", "wait"]

TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")

#: How to give a number of seconds, for the messages of every place that takes one.
SECONDS_HINT = "use a number of seconds, 0 or more, such as 60 or 2.5"


def parse_flag(name: str, value: object) -> bool:
    """``value`` of the setting ``name`` as a bool, or a :class:`ConfigurationError`.

    True and False, 1 and 0, and the words 1, true, yes, on / 0, false, no, off (any case,
    surrounding spaces ignored) are understood. None and the empty string, an unset setting
    (an empty environment variable, say), mean false.
    """
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("", *FALSE_WORDS):
            return False
        if word in TRUE_WORDS:
            return True
    # A typo must not silently give the other behaviour.
    raise ConfigurationError(
        f"{name}={value!r} is neither true nor false: use 1, true, yes or on, "
        "or 0, false, no or off."
    )


def parse_auto_mode(name: str, value: object) -> AutoMode:
    """``value`` of ``HEROGOLD_MIGRATE_AUTO``: a flag (see :func:`parse_flag`), or ``"wait"``."""
    if isinstance(value, str) and value.strip().lower() == "wait":
        return "wait"
    try:
        return "run" if parse_flag(name, value) else "off"
    except ConfigurationError:
        raise ConfigurationError(
            f"{name}={value!r} is neither true nor false nor wait: use 1, true, yes or on, "
            "0, false, no or off, or wait."
        ) from None


def parse_choice(name: str, value: object, choices: tuple[Choice, ...]) -> Choice:
    """``value`` of the setting ``name``: one of ``choices``, in any case, spaces ignored."""
    if isinstance(value, str):
        word = value.strip().lower()
        for choice in choices:
            if word == choice:
                return choice
    quoted = ", ".join(choices[:-1]) + f" or {choices[-1]}"
    raise ConfigurationError(f"{name}={value!r} is not one of the values: use {quoted}.")


def parse_count(name: str, value: object) -> int:
    """``value`` of the setting ``name`` as a whole number of 0 or more."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    raise ConfigurationError(
        f"{name}={value!r} is not a count: use a whole number, 0 or more, such as 3."
    )


def parse_optional_seconds(name: str, value: object) -> float | None:
    """Seconds, or None for off: None, the empty string and 0 are off."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    seconds = parse_seconds(name, value)
    return seconds or None


def as_seconds(value: object) -> float | None:
    """``value`` as a number of seconds (a number or a numeric string), None if it is none."""
    if isinstance(value, bool):  # True is an int, but not a duration
        return None
    if not isinstance(value, (int, float, str)):
        return None
    try:
        seconds = float(value.strip() if isinstance(value, str) else value)
    except (ValueError, OverflowError):
        return None
    # inf and nan would reach the databases' own lock timeouts, which take integers.
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds


def parse_seconds(name: str, value: object) -> float:
    """``value`` of the setting ``name`` as seconds, or a :class:`ConfigurationError`."""
    seconds = as_seconds(value)
    if seconds is None:
        raise ConfigurationError(f"{name}={value!r} is not a number of seconds: {SECONDS_HINT}.")
    return seconds


def parse_positive_seconds(name: str, value: object) -> float:
    """Seconds, more than 0: a pause between two checks, which 0 would turn into a busy loop."""
    seconds = as_seconds(value)
    if not seconds:
        raise ConfigurationError(
            f"{name}={value!r} is not a number of seconds above 0: use one such as 1 or 0.5."
        )
    return seconds


def parse_text(name: str, value: object) -> str:
    """A name (a table's): text that is neither empty nor padded with spaces."""
    if isinstance(value, str) and value.strip() and value == value.strip():
        return value
    raise ConfigurationError(
        f"{name}={value!r} is not a name: give it as text, such as 'migrations'."
    )


def parse_path(name: str, value: object) -> Path:
    """A directory, as text or a path; relative paths stay relative (the host resolves them)."""
    if isinstance(value, os.PathLike) or (isinstance(value, str) and value.strip()):
        return Path(value)
    raise ConfigurationError(
        f"{name}={value!r} is not a directory path: give it as text, such as 'migrations'."
    )


def parse_import_string(name: str, value: str, example: str, *, separator: str = "") -> str:
    """An import string, or several joined by ``separator``: ``module:attribute`` each.

    Only its form is checked here: importing the application's modules waits for the command
    that needs them, so that starting the app imports nothing more.
    """
    for part in value.split(separator) if separator else [value]:
        module, _, attribute = part.strip().partition(":")
        if not _dotted(module) or not _dotted(attribute):
            raise ConfigurationError(
                f"{name}={value!r} is not an import string: write module:attribute, such "
                f"as {example!r}."
            )
    return value


def _dotted(text: str) -> bool:
    return bool(text) and all(part.isidentifier() for part in text.split("."))


@contextmanager
def naming_the_setting(name: str) -> Iterator[None]:
    """A :class:`ConfigurationError` raised inside names the setting ``name``, if it does
    not already (an import string whose module fails to import when it is used)."""
    try:
        yield
    except ConfigurationError as error:
        if str(error).startswith(name):
            raise
        raise ConfigurationError(f"{name}: {error}") from error
