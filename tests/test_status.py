"""``migrate:status``: the state of each migration, its ``--json`` form, and ``--check``."""

from __future__ import annotations

import json
import sys

import pytest


def test_status_shows_applied_pending_missing_and_modified(
    cli, database, migrations_dir, create_table_migration
):
    gone = create_table_migration("20260301_gone", "gone")
    changed = create_table_migration("20260302_changed", "changed")
    create_table_migration("20260303_02_kept", "kept")
    cli("migrate")
    gone.unlink()
    changed.write_text(changed.read_text() + "\n# edited after it was applied\n")
    create_table_migration("20260304_new", "new")

    result = cli("migrate:status", "--json")

    assert result.exit_code == 0, result.output
    entries = json.loads(result.output)["migrations"]
    assert [(e["name"], e["state"], e["batch"], e["modified"]) for e in entries] == [
        ("20260301_gone", "missing", 1, False),
        ("20260302_changed", "applied", 1, True),
        ("20260303_02_kept", "applied", 1, False),
        ("20260304_new", "pending", None, False),
    ]
    assert entries[0]["applied_at"].endswith("+00:00") and entries[3]["applied_at"] is None
    table = cli("migrate:status")
    assert table.exit_code == 0
    lines = table.output.splitlines()
    assert lines[0].split() == ["Migration", "State", "Batch", "Applied", "at"]
    assert lines[2].split()[:3] == ["20260301_gone", "missing", "1"]
    assert "applied (modified)" in lines[3]
    assert lines[5].split() == ["20260304_new", "pending"]


def test_status_never_imports_migration_files(cli, write_migration):
    write_migration("20260301_explodes", body="raise SystemExit('imported!')\n")
    before = {name for name in sys.modules if "_loaded_migrations" in name}

    result = cli("migrate:status", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["migrations"][0]["state"] == "pending"
    assert {name for name in sys.modules if "_loaded_migrations" in name} == before


def test_status_check_fails_until_every_migration_is_applied(cli, database, create_table_migration):
    create_table_migration("20260301_one", "one")
    create_table_migration("20260302_two", "two")
    assert cli("migrate", "--target", "one").exit_code == 0

    behind = cli("migrate:status", "--check")

    assert behind.exit_code == 1
    assert behind.stdout.splitlines()[3].split()[:2] == ["20260302_two", "pending"]
    assert behind.stderr == "Error: The database is not up to date: 1 pending.\n"
    assert cli("migrate:status", "--check", "--json").exit_code == 1
    assert cli("migrate").exit_code == 0
    up_to_date = cli("migrate:status", "--check")
    assert up_to_date.exit_code == 0, up_to_date.output
    assert cli("migrate:status").exit_code == 0  # without --check it only reports


def test_status_before_anything_ran_lists_everything_pending(manager, create_table_migration):
    create_table_migration("20260301_one", "one")

    status = manager.status()

    assert status.pending == ["20260301_one"] and status.applied == []


def test_status_reads_as_the_first_release_documented_by_key(
    manager, database, migrations_dir, create_table_migration
):
    gone = create_table_migration("20260301_gone", "gone")
    create_table_migration("20260302_kept", "kept")
    manager.run_migrations()
    gone.unlink()
    create_table_migration("20260303_new", "new")

    status = manager.status()

    assert status["applied"] == ["20260302_kept"] == status.applied
    assert status["pending"] == ["20260303_new"] == status.pending
    assert status["missing"] == ["20260301_gone"] == status.missing
    assert status["failed"] == status["running"] == status["modified"] == []
    assert [(m["name"], m["state"], m["batch"]) for m in status["migrations"]] == [
        ("20260301_gone", "missing", 1),
        ("20260302_kept", "applied", 1),
        ("20260303_new", "pending", None),
    ]
    assert "pending" in status and status.get("nothing") is None
    with pytest.raises(KeyError):
        status["nothing"]
    # As a dict: iterated, counted, copied (an audit found iteration and len missing).
    as_dict = dict(status)
    assert as_dict["applied"] == ["20260302_kept"] and len(status) == len(as_dict)
    assert [key for key in status] == list(status.keys())


def test_status_check_says_what_missing_means(
    cli, database, create_table_migration, migrations_dir
):
    create_table_migration("20260301_one", "one")
    assert cli("migrate").exit_code == 0
    (migrations_dir / "20260301_one.py").unlink()

    result = cli("migrate:status", "--check")

    assert result.exit_code == 1
    assert "1 missing (applied, but this code has no file for it)" in result.output
