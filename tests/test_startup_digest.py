"""The startup check's one-row answer (a digest of the applied names against the directory's)
still sees every change the full check saw: a file added, removed, renamed or changed, and a
record changed by another process, with the directory's digest read from its cache."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from flask_herogold_migrate import MigrationManager
from flask_herogold_migrate.core import RenamedMigrationFile
from flask_herogold_migrate.core.errors import FailedMigrationRecorded
from flask_herogold_migrate.core.progress import Progress
from flask_herogold_migrate.core.tracking.table import TrackingTable

CACHE = Path("__pycache__") / "herogold-migrate-names"


def settled(migrations_dir: Path, manager: MigrationManager) -> None:
    """Age the directory so its digest is cached, then run the no-op check that caches it."""
    past = time.time() - 60
    os.utime(migrations_dir, (past, past))
    assert manager.run_migrations() == []
    assert (migrations_dir / CACHE).exists()
    assert manager.run_migrations() == []  # from the cache and the one row


def progress_of(manager: MigrationManager) -> list[Progress]:
    seen: list[Progress] = []
    manager.progress = seen.append
    return seen


@pytest.fixture
def applied(manager, migrations_dir, create_table_migration) -> MigrationManager:
    create_table_migration("20260301_one", "one")
    create_table_migration("20260302_two", "two")
    assert manager.run_migrations() == ["20260301_one", "20260302_two"]
    settled(migrations_dir, manager)
    return manager


def test_a_file_added_is_applied(applied, database, create_table_migration):
    create_table_migration("20260303_three", "three")

    assert applied.run_migrations() == ["20260303_three"]
    assert "three" in database.table_names()
    assert applied.run_migrations() == []


def test_a_file_removed_is_reported_missing(applied, migrations_dir):
    (migrations_dir / "20260302_two.py").unlink()
    seen = progress_of(applied)

    assert applied.run_migrations() == []
    assert [(p.event, p.names) for p in seen] == [("missing", ("20260302_two",))]


def test_a_file_renamed_is_refused(applied, migrations_dir, database):
    (migrations_dir / "20260302_two.py").rename(migrations_dir / "20260302_second.py")

    with pytest.raises(RenamedMigrationFile):
        applied.run_migrations()
    assert set(database.migration_rows()) == {"20260301_one", "20260302_two"}


def test_a_misnamed_file_is_reported(applied, migrations_dir):
    (migrations_dir / "2026_03_04_bad.py").write_text("")
    seen = progress_of(applied)

    assert applied.run_migrations() == []
    assert [(p.event, p.name) for p in seen] == [("misnamed", "2026_03_04_bad")]


def test_a_helper_file_does_not_make_work(applied, migrations_dir):
    (migrations_dir / "helpers.py").write_text("")
    settled(migrations_dir, applied)


def test_a_changed_file_is_reported_by_the_next_run_and_status(
    applied, migrations_dir, create_table_migration
):
    changed = migrations_dir / "20260301_one.py"
    changed.write_text(changed.read_text() + "\n# edited after it was applied\n")

    assert applied.run_migrations() == []  # the no-op check reads names only, as always
    assert [m.name for m in applied.status().migrations if m.modified] == ["20260301_one"]
    create_table_migration("20260303_three", "three")
    seen = progress_of(applied)
    assert applied.run_migrations() == ["20260303_three"]
    assert [p.names for p in seen if p.event == "modified"] == [("20260301_one",)]


def test_a_rollback_by_another_process_is_seen(applied, database, migrations_dir):
    other = MigrationManager(migrations_dir, engine=create_engine(database.url))
    assert other.rollback() == ["20260302_two", "20260301_one"]
    other.engine.dispose()

    assert applied.run_migrations() == ["20260301_one", "20260302_two"]
    assert {"one", "two"} <= database.table_names()


def test_a_row_written_outside_a_run_by_another_process_is_seen(applied, database):
    # A write through the tracking table outside a run clears the digest with it.
    engine = create_engine(database.url)
    with engine.connect() as conn, conn.begin():
        TrackingTable().fail(conn, "20260302_two", "up")
    engine.dispose()

    with pytest.raises(FailedMigrationRecorded):
        applied.run_migrations()


def test_a_step_failed_half_way_is_seen(applied, database, write_migration):
    # On MariaDB the CREATE TABLE commits on its own: the row says failed; elsewhere the step
    # is rolled back whole and stays pending. Either way the next start sees work.
    write_migration(
        "20260303_broken", ["CREATE TABLE three (id INTEGER)", "SELECT * FROM no_such_table"]
    )

    with pytest.raises(Exception, match="20260303_broken"):
        applied.run_migrations()
    state = database.migration_rows().get("20260303_broken", {}).get("state")
    assert state == ("failed" if database.dialect == "mariadb" else None)
    with pytest.raises(Exception, match="20260303_broken"):
        applied.run_migrations()


def test_a_tracking_table_of_an_older_version_gets_its_digest(
    manager, database, migrations_dir, create_table_migration
):
    create_table_migration("20260301_one", "one")
    assert manager.run_migrations() == ["20260301_one"]
    with database.engine.begin() as conn:
        conn.execute(text("DROP TABLE migrations_digest"))

    settled(migrations_dir, manager)  # the full check, from the tracking table alone
    assert "migrations_digest" not in database.table_names()
    create_table_migration("20260302_two", "two")
    assert manager.run_migrations() == ["20260302_two"]
    assert database.scalar("SELECT digest FROM migrations_digest") is not None
    (migrations_dir / "20260302_two.py").unlink()
    seen = progress_of(manager)
    assert manager.run_migrations() == []
    assert [(p.event, p.names) for p in seen] == [("missing", ("20260302_two",))]


def test_a_dropped_tracking_table_is_not_answered_for_by_its_digest(applied, database):
    with database.engine.begin() as conn:
        conn.execute(text("DROP TABLE migrations"))
        conn.execute(text("DROP TABLE one"))
        conn.execute(text("DROP TABLE two"))

    assert applied.run_migrations() == ["20260301_one", "20260302_two"]


def test_a_run_killed_half_way_leaves_the_digest_cleared(
    applied, database, migrations_dir, create_table_migration, write_migration
):
    create_table_migration("20260303_three", "three")
    write_migration("20260304_dies", body=DIES)
    script = (
        "import sys; from flask_herogold_migrate import MigrationManager; "
        "MigrationManager(sys.argv[1], engine=sys.argv[2]).run_migrations()"
    )

    died = subprocess.run([sys.executable, "-c", script, str(migrations_dir), database.url])

    assert died.returncode == 9
    assert database.migration_rows()["20260303_three"]["state"] == "applied"
    assert database.scalar("SELECT digest FROM migrations_digest") is None
    # Even with the files of the run gone, the check reads the rows and sees them missing.
    (migrations_dir / "20260303_three.py").unlink()
    (migrations_dir / "20260304_dies.py").unlink()
    seen = progress_of(applied)
    if database.dialect == "mariadb":  # its running mark was committed before the step
        with pytest.raises(FailedMigrationRecorded, match="20260304_dies"):
            applied.run_migrations()
        return
    assert applied.run_migrations() == []
    assert [(p.event, p.names) for p in seen] == [("missing", ("20260303_three",))]


DIES = """
import os
import subprocess
import sys
from flask_herogold_migrate import Migration


class Dies(Migration):
    def up(self, session):
        os._exit(9)

    def down(self, session):
        pass
"""


def test_repair_sets_the_digest_right_after_a_change_by_hand(applied, database, migrations_dir):
    with database.engine.begin() as conn:
        conn.execute(text("DELETE FROM migrations WHERE name = '20260302_two'"))
        conn.execute(text("DROP TABLE two"))
    assert applied.run_migrations() == []  # the digest does not know: the by-hand caveat

    applied.repair()

    assert applied.run_migrations() == ["20260302_two"]
    assert "two" in database.table_names()


def test_runs_under_one_hold_of_the_lock_leave_the_digest_right(
    manager, migrations_dir, create_table_migration, database
):
    """migrate:test's runs share one hold of the lock (core/runtime/locked_runs.py): the
    digest is cleared by the first change and computed once, when the hold ends."""
    from flask_herogold_migrate.core.files.listing import names_digest
    from flask_herogold_migrate.core.runtime.locked_runs import locked_runs

    create_table_migration("20260301_one", "one")
    create_table_migration("20260302_two", "two")

    with locked_runs(manager) as runs:
        assert runs.run_migrations("20260301_one") == ["20260301_one"]
        assert database.rows("migrations_digest") == [{"id": 1, "digest": None}]
        assert runs.run_migrations("20260302_two") == ["20260302_two"]
        assert runs.rollback(1) == ["20260302_two"]
        assert runs.run_migrations("20260302_two") == ["20260302_two"]
        assert database.rows("migrations_digest")[0]["digest"] is None

    expected = names_digest(["20260301_one", "20260302_two"])
    assert database.rows("migrations_digest") == [{"id": 1, "digest": expected}]
    settled(migrations_dir, manager)  # the one-row answer holds
