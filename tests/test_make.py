"""``migrate:make``: the file it writes, the names it refuses."""

from __future__ import annotations

import ast
import errno
import os
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from flask_herogold_migrate import create_migration
from flask_herogold_migrate.__main__ import main as standalone_main
from flask_herogold_migrate.core import MigrationFileNotCreated


@pytest.mark.sqlite_only
def test_make_writes_a_dated_file_with_a_pascal_case_class(app, migrations_dir):
    result = app.test_cli_runner().invoke(args=["migrate:make", "create_users_table"])

    assert result.exit_code == 0, result.output
    today = datetime.now(timezone.utc).strftime("%Y%m%d")
    path = migrations_dir / f"{today}_create_users_table.py"
    assert result.output.strip() == f"Created migration {path}"
    source = path.read_text()
    tree = ast.parse(source)
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    assert [c.name for c in classes] == ["CreateUsersTable"]
    assert [b.id for b in classes[0].bases] == ["Migration"]
    assert {f.name for f in classes[0].body if isinstance(f, ast.FunctionDef)} == {"up", "down"}
    docstring = ast.get_docstring(tree)
    assert f"{today}_create_users_table" in docstring
    assert re.search(r"created \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", docstring)


def test_second_and_third_file_of_a_day_get_a_sequence(migrations_dir):
    now = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)

    paths = [create_migration(n, migrations_dir, now=now) for n in ("one", "AddRoles", "three")]

    assert [p.name for p in paths] == [
        "20260301_one.py",
        "20260301_02_add_roles.py",
        "20260301_03_three.py",
    ]


@pytest.mark.parametrize("bad", ["../x", "a/b", "with space", "", "quo'te", "semi;colon", "1abc"])
@pytest.mark.sqlite_only
def test_make_refuses_bad_names_and_writes_nothing(app, migrations_dir, bad):
    result = app.test_cli_runner().invoke(args=["migrate:make", bad])

    assert result.exit_code == 1
    assert "Invalid migration name" in result.output
    assert "Traceback" not in result.output
    assert list(migrations_dir.iterdir()) == []
    assert list(migrations_dir.parent.rglob("*.py")) == []


def test_generated_file_applies_and_rolls_back_cleanly(app, database):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["migrate:make", "noop"]).exit_code == 0

    applied = runner.invoke(args=["migrate"])
    assert applied.exit_code == 0, applied.output
    assert len(database.migration_rows()) == 1
    rolled_back = runner.invoke(args=["migrate:rollback"])
    assert rolled_back.exit_code == 0, rolled_back.output
    assert database.migration_rows() == {}


@pytest.mark.sqlite_only
def test_make_when_the_migrations_path_is_a_file_is_one_error_line(app, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not migrations")
    app.config["HEROGOLD_MIGRATE_DIR"] = "notes.txt"

    result = app.test_cli_runner().invoke(args=["migrate:make", "first"])

    assert result.exit_code == 1
    assert result.output == (
        f"Error: Cannot create the migration: {notes} exists and is not a directory.\n"
    )
    assert notes.read_text() == "not migrations"


def test_make_below_a_file_names_the_directory_and_the_reason(tmp_path):
    (tmp_path / "notes.txt").write_text("not migrations")
    directory = tmp_path / "notes.txt" / "migrations"

    with pytest.raises(MigrationFileNotCreated) as raised:
        create_migration("first", directory)

    assert str(raised.value) == (
        f"Cannot create the migration: the migrations directory {directory} cannot be "
        "created: Not a directory."
    )


def test_make_never_overwrites_a_file_written_at_the_same_moment(migrations_dir, monkeypatch):
    now = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    theirs = migrations_dir / "20260301_first.py"

    # The other process writes its file after this one looked at the directory.
    def stem_then_the_other_process_writes_it(*args):
        theirs.write_text("# theirs\n")
        return theirs.stem

    monkeypatch.setattr(
        "flask_herogold_migrate.core.files.create.next_stem", stem_then_the_other_process_writes_it
    )

    with pytest.raises(MigrationFileNotCreated) as raised:
        create_migration("first", migrations_dir, now=now)

    assert str(raised.value) == (
        f"Cannot create the migration: {theirs} appeared meanwhile (another migrate:make at "
        "the same moment?) and was left untouched. Run the command again."
    )
    assert theirs.read_text() == "# theirs\n"
    assert [p.name for p in migrations_dir.iterdir()] == ["20260301_first.py"]


def test_make_that_cannot_write_the_file_leaves_none_behind(migrations_dir, monkeypatch):
    # Simulated, so it runs as root too: a full disk, or a directory it may not write to.
    real_open = Path.open

    class FullDisk:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, text):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Path, "open", lambda self, *a, **k: FullDisk(real_open(self, *a, **k)))
    with pytest.raises(MigrationFileNotCreated) as full:
        create_migration("first", migrations_dir, now=datetime(2026, 3, 1, tzinfo=timezone.utc))

    def refused(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))

    monkeypatch.setattr(Path, "open", refused)
    with pytest.raises(MigrationFileNotCreated) as denied:
        create_migration("first", migrations_dir, now=datetime(2026, 3, 1, tzinfo=timezone.utc))

    path = migrations_dir / "20260301_first.py"
    assert str(full.value) == (
        f"Cannot create the migration: {path} cannot be written: No space left on device."
    )
    assert str(denied.value) == (
        f"Cannot create the migration: {path} cannot be written: Permission denied."
    )
    assert list(migrations_dir.iterdir()) == []


@pytest.mark.parametrize(
    "bad",
    [
        "name\n",  # $ in a pattern accepts a trailing newline: the case that slipped through
        "name\r\n",
        "\nname",
        "na\nme",
        "name\r",
        "na\tme",
        "name\t",
        "name\x00",
        "name\x1b",
        "name\x7f",
        "name\x85",
        "name\u2028",
    ],
)
def test_make_refuses_names_with_control_characters_in_one_line(migrations_dir, bad):
    result = CliRunner().invoke(
        standalone_main,
        ["migrate:make", bad, "--dir", str(migrations_dir)],
        env={"DATABASE_URL": None},
    )

    assert result.exit_code == 1, result.output
    assert result.output == (
        f"Error: Invalid migration name {bad!r}: use letters, digits and underscores, starting "
        "with a letter (for example create_users_table).\n"
    )
    assert list(migrations_dir.iterdir()) == []


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)  # files, not the database
def test_make_refuses_a_second_file_of_the_day_with_the_same_description(app, migrations_dir):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["migrate:make", "create_posts_table"]).exit_code == 0
    first = [p.name for p in migrations_dir.glob("*.py")]

    again = runner.invoke(args=["migrate:make", "CreatePostsTable"])

    assert again.exit_code == 1
    assert f"{first[0]}, of the same day, has the same description (create_posts_table)" in (
        again.output
    )
    assert [p.name for p in migrations_dir.glob("*.py")] == first
    assert runner.invoke(args=["migrate:make", "create_comments_table"]).exit_code == 0


@pytest.mark.sqlite_only
def test_autogenerate_for_every_tenant_is_refused_as_it_would_compare_the_apps_database(make_app):
    app = make_app(HEROGOLD_MIGRATE_TENANTS=lambda: ["one"])

    result = app.test_cli_runner().invoke(
        args=["migrate:make", "add_notes", "--autogenerate", "--all-tenants"]
    )

    assert result.exit_code == 2
    assert "with --all-tenants that would be the app's own, not a tenant's" in result.output
