"""The documentation's code samples run, so the docs cannot rot.

Each ``.. code-block::`` of Python or shell in ``docs/*.rst`` is preceded by an rST comment
that says how it is tested:

``.. test: run``
    Python, run as a script in a fresh copy of the repository's ``example_app/``; a
    ``create_app()`` it defines is called.
``.. test: migration``
    A migration file: applied after the example app's migrations, then rolled back, on SQLite,
    PostgreSQL and MariaDB; the rollback must restore the schema and the rows.
``.. test: console``
    A shell transcript: every ``$ command`` runs (the blocks of one page in order, in one fresh
    copy of ``example_app/``) and must print what follows it (``...`` matches anything).
``.. test: file NAME``
    A file the page's transcripts need (an application of its own): written as ``NAME`` in
    the page's copy of the repository before its first ``$ command`` runs.
``.. test: skip (reason)``
    Cannot run here (installs packages, starts a server); the reason is required.
"""

from __future__ import annotations

import doctest
import os
import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from flask_herogold_migrate import MigrationManager

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLE = ROOT / "example_app"
RUNNABLE_LANGUAGES = {"python", "console", "sh", "bash", "shell", "pycon"}
KIND_LANGUAGE = {"run": "python", "migration": "python", "console": "console"}

_ANNOTATION = re.compile(r"^\.\. test: (\w+)\s*(.*)$")
_CODE_BLOCK = re.compile(r"^\.\. code-block:: (\S+)\s*$")


@dataclass(frozen=True)
class Sample:
    page: str
    line: int
    language: str
    kind: str | None
    reason: str
    code: str

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def _block_body(lines: list[str], start: int) -> str:
    body: list[str] = []
    index = start
    while index < len(lines) and re.match(r"^\s+:\w[\w-]*:", lines[index]):
        index += 1  # directive options
    while index < len(lines) and (not lines[index].strip() or lines[index].startswith(" ")):
        body.append(lines[index])
        index += 1
    return textwrap.dedent("\n".join(body)).strip("\n") + "\n"


def collect_samples() -> list[Sample]:
    samples = []
    for page in sorted(DOCS.glob("*.rst")):
        lines = page.read_text(encoding="utf-8").splitlines()
        annotation: tuple[str, str] | None = None
        for number, line in enumerate(lines, start=1):
            if match := _ANNOTATION.match(line):
                annotation = (match[1], match[2].strip())
            elif match := _CODE_BLOCK.match(line):
                kind, reason = annotation or (None, "")
                samples.append(
                    Sample(page.name, number, match[1], kind, reason, _block_body(lines, number))
                )
                annotation = None
            elif line.strip():
                annotation = None
    return samples


SAMPLES = collect_samples()


def samples_of(kind: str) -> list[Any]:
    return [pytest.param(s, id=s.id) for s in SAMPLES if s.kind == kind]


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory with a fresh copy of example_app/, as a new clone has it."""
    work = tmp_path / "checkout"
    shutil.copytree(
        EXAMPLE, work / "example_app", ignore=shutil.ignore_patterns("instance", "__pycache__")
    )
    for name in ("DATABASE_URL", "HEROGOLD_MIGRATE_AUTO", "HEROGOLD_MIGRATE_DIR", "FLASK_APP"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    return work


def test_the_docs_have_samples_of_every_kind():
    assert {s.kind for s in SAMPLES} >= {"run", "migration", "console", "skip"}


@pytest.mark.parametrize("sample", [pytest.param(s, id=s.id) for s in SAMPLES])
def test_every_runnable_sample_says_how_it_is_tested(sample: Sample):
    if sample.language not in RUNNABLE_LANGUAGES:
        return
    assert sample.kind in {*KIND_LANGUAGE, "skip", "file"}, (
        f"{sample.id}: precede the code block with '.. test: run|migration|console|file NAME|"
        "skip (why)'"
    )
    if sample.kind == "skip":
        assert sample.reason, f"{sample.id}: say why the sample cannot run"
    elif sample.kind == "file":
        assert sample.reason, f"{sample.id}: name the file, '.. test: file NAME'"
    else:
        assert sample.language == KIND_LANGUAGE[sample.kind], sample.id


@pytest.mark.parametrize("sample", samples_of("run"))
def test_python_sample_runs(sample: Sample, checkout: Path):
    script = checkout / "docs_sample.py"
    script.write_text(
        sample.code
        + '\n\nif __name__ == "__main__" and callable(globals().get("create_app")):\n'
        + "    create_app()\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, str(script)], cwd=checkout, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"{sample.id} failed:\n{result.stderr}"


def _transcript(code: str) -> list[tuple[str, str]]:
    """``(command, expected output)`` pairs of a console block."""
    steps: list[tuple[str, list[str]]] = []
    for line in code.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            assert steps, f"output before the first command: {line!r}"
            steps[-1][1].append(line)
    return [(command, "\n".join(output) + "\n" if output else "") for command, output in steps]


_CONSOLE_PAGES = sorted({s.page for s in SAMPLES if s.kind == "console"})


@pytest.mark.parametrize("page", _CONSOLE_PAGES)
def test_console_transcripts_print_what_the_page_shows(page: str, checkout: Path):
    checker = doctest.OutputChecker()
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    for sample in (s for s in SAMPLES if s.page == page and s.kind == "file"):
        (checkout / sample.reason).write_text(sample.code, encoding="utf-8")
    for sample in (s for s in SAMPLES if s.page == page and s.kind == "console"):
        for command, expected in _transcript(sample.code):
            result = subprocess.run(
                ["bash", "-c", command],
                cwd=checkout,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=120,
            )
            assert checker.check_output(expected, result.stdout, flags), (
                f"{sample.id}: $ {command}\n--- the page shows:\n{expected}"
                f"--- the command printed:\n{result.stdout}"
            )


def _state(engine: Engine) -> dict[str, Any]:
    """Tables with their columns, indexes and foreign keys, and every row but the tracking's."""
    inspector = inspect(engine)
    state: dict[str, Any] = {}
    with engine.connect() as conn:
        for table in sorted(set(inspector.get_table_names()) - {"migrations"}):
            rows = conn.execute(text(f"SELECT * FROM {table}")).all()
            state[table] = {
                "columns": [(c["name"], str(c["type"])) for c in inspector.get_columns(table)],
                "indexes": sorted(i["name"] or "" for i in inspector.get_indexes(table)),
                "foreign_keys": sorted(
                    fk["referred_table"] for fk in inspector.get_foreign_keys(table)
                ),
                "rows": sorted(tuple(map(str, row)) for row in rows),
            }
    return state


@pytest.mark.parametrize("sample", samples_of("migration"))
def test_migration_sample_applies_and_rolls_back(sample: Sample, database, tmp_path: Path):
    directory = tmp_path / "sample_migrations"
    shutil.copytree(EXAMPLE / "migrations", directory, ignore=shutil.ignore_patterns("__*"))
    (directory / "20991231_docs_sample.py").write_text(sample.code, encoding="utf-8")
    manager = MigrationManager(directory, engine=database.engine)
    manager.run_migrations(target="add_users_created_at_index")
    with database.engine.begin() as conn:  # some people, for the data steps to work on
        conn.execute(
            text(
                "INSERT INTO users (name, email, role_id) "
                "SELECT :name, :email, id FROM roles WHERE name = :role"
            ),
            [
                {"name": "Ada", "email": "ada@x.io", "role": "admin"},
                {"name": "Gus", "email": "gus@x.io", "role": "guest"},
                {"name": "Eve", "email": "eve@editors.example.com", "role": "user"},
            ],
        )
    before = _state(database.engine)

    assert manager.run_migrations() == ["20991231_docs_sample"], sample.id
    assert _state(database.engine) != before, f"{sample.id}: up() changed nothing"
    assert manager.rollback() == ["20991231_docs_sample"], sample.id
    assert _state(database.engine) == before, f"{sample.id}: down() did not undo up()"
