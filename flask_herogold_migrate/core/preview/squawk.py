"""The adapter to squawk, the PostgreSQL migration linter (the ``squawk-cli`` package).

squawk is a program, shipped as a binary inside its wheel and installed beside Python's own
scripts: it reads SQL on standard input and reports what it finds as JSON. This module finds
it, hands it one migration's statements as one script, and reads its findings back, each with
the line of the script it points at.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import LinterUnavailable

INSTALL_COMMAND = 'pip install "flask-herogold-migrate[lint]"'


@dataclass(frozen=True)
class SquawkFinding:
    """One finding of squawk: ``line`` is the 0-based line of the script it starts on."""

    line: int
    rule: str
    message: str
    help: str | None


def find_squawk() -> str:
    """The squawk program: the one installed with this Python, else the first on ``PATH``."""
    name = "squawk.exe" if os.name == "nt" else "squawk"
    for scripts in _script_directories():
        candidate = Path(scripts, name)
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("squawk")
    if found is None:
        raise LinterUnavailable(
            "migrate:lint checks PostgreSQL migrations with squawk, which is not installed: "
            f"{INSTALL_COMMAND} installs it."
        )
    return found


def _script_directories() -> list[str]:
    # A command run as .venv/bin/flask, without the environment activated, has no PATH to it.
    return [sysconfig.get_path("scripts"), os.path.dirname(sys.executable)]


def run_squawk(
    executable: str,
    statements: Sequence[str],
    *,
    in_transaction: bool,
    pg_version: str | None = None,
) -> list[tuple[int, SquawkFinding]]:
    """Lint ``statements`` as one migration; return each finding with its statement's index.

    ``in_transaction``: the statements run inside one transaction (squawk then allows what is
    safe there, such as an index on a table created by the same transaction).
    """
    script, starts = _script(statements)
    command = [executable, "--reporter", "json", "--stdin-filepath", "migration.sql"]
    command.append("--assume-in-transaction" if in_transaction else "--no-assume-in-transaction")
    if pg_version:
        command += ["--pg-version", pg_version]
    try:
        done = subprocess.run(command, input=script, capture_output=True, text=True, check=False)
    except OSError as error:
        raise LinterUnavailable(f"Cannot run squawk ({executable}): {error.strerror}.") from None
    try:
        # Exit status 1 means findings; anything else, or output that is no list, a failure.
        reported = json.loads(done.stdout) if done.returncode in (0, 1) else None
    except ValueError:
        reported = None
    if not isinstance(reported, list):
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise LinterUnavailable(
            f"squawk ({executable}) failed with exit status {done.returncode}"
            + (f": {detail[0]}" if detail else "")
            + f". Is it squawk-cli's? {INSTALL_COMMAND} installs that one."
        )
    found = []
    for item in reported:
        finding = SquawkFinding(
            int(item.get("line", 0)),
            str(item.get("rule_name", "")),
            str(item.get("message", "")).strip(),
            item.get("help") or None,
        )
        found.append((_statement_at(starts, finding.line), finding))
    return found


def _script(statements: Sequence[str]) -> tuple[str, list[int]]:
    """The statements as one script, one after another, and the line each starts on."""
    parts, starts, line = [], [], 0
    for statement in statements:
        text = statement.strip().rstrip(";").rstrip()
        starts.append(line)
        parts.append(text + ";\n")
        line += text.count("\n") + 1
    return "".join(parts), starts


def _statement_at(starts: list[int], line: int) -> int:
    index = 0
    for number, start in enumerate(starts):
        if start <= line:
            index = number
    return index


_FORMAT_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%s|%%")


def as_postgresql(statement: str, paramstyle: str) -> str:
    """``statement`` with the driver's placeholders as PostgreSQL's own ``$1``, ``$2``, ...

    squawk parses SQL as PostgreSQL does, and ``%(name)s`` (psycopg's) is no SQL. Other
    styles are left as they are.
    """
    if paramstyle not in ("pyformat", "format"):
        return statement
    numbers: dict[str, int] = {}

    def number(match: re.Match[str]) -> str:
        if match.group(0) == "%%":
            return "%"
        key = match.group(1) or f"#{len(numbers)}"
        numbers.setdefault(key, len(numbers) + 1)
        return f"${numbers[key]}"

    return _FORMAT_PLACEHOLDER.sub(number, statement)
