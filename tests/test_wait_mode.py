"""``HEROGOLD_MIGRATE_AUTO = "wait"``: workers that apply nothing but wait, at startup, until
another process (a release step) has applied every migration."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable

import pytest
from flask import Flask

from flask_herogold_migrate import HerogoldMigrate
from flask_herogold_migrate.core import FailedMigrationRecorded, SchemaWaitTimeout
from tests.helpers import NON_TRANSACTIONAL


@pytest.fixture
def waiting_app(make_app) -> Callable[..., Flask]:
    """A worker's app on the test database, waiting for migrations; the test adds it to the
    extension."""

    def make(**config) -> Flask:
        return make_app(
            name="worker",
            sqlalchemy=False,
            extension=False,
            HEROGOLD_MIGRATE_AUTO="wait",
            HEROGOLD_MIGRATE_WAIT_INTERVAL=0.05,
            **config,
        )

    return make


class _Heard(logging.Handler):
    """Sets ``waiting`` once the extension logs that it waits."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.waiting = threading.Event()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
        if "waits up to" in record.getMessage():
            self.waiting.set()


@pytest.fixture
def heard():
    logger = logging.getLogger("flask_herogold_migrate")
    handler, level = _Heard(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_a_worker_waits_while_another_process_migrates_then_starts(
    waiting_app, tmp_path, database, migrations_dir, create_table_migration, heard
):
    create_table_migration("20260301_one", "one")
    create_table_migration("20260302_two", "two")
    app = waiting_app(HEROGOLD_MIGRATE_WAIT_TIMEOUT=60)
    outcome: list[BaseException | None] = []

    def worker() -> None:
        try:
            HerogoldMigrate(app)
            outcome.append(None)
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=worker)
    thread.start()
    assert heard.waiting.wait(30), heard.messages  # the worker is waiting: now the release
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEROGOLD_")}
    release = subprocess.run(
        [sys.executable, "-m", "flask_herogold_migrate", "migrate", "--dir", str(migrations_dir)],
        env={**env, "DATABASE_URL": database.url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    thread.join(60)

    assert release.returncode == 0, release.stderr
    assert "Migrated: 20260301_one" in release.stdout  # the release step applied them
    assert outcome == [None]  # and the worker started, once they were applied
    assert any(
        "for another process to apply the migrations: 2 pending (20260301_one, 20260302_two)"
        in message
        for message in heard.messages
    ), heard.messages
    assert any("the migrations are applied, after waiting" in m for m in heard.messages)
    assert not any("Migrating:" in m or m.startswith("Auto-run") for m in heard.messages)
    assert {"one", "two"} <= database.table_names()

    heard.messages.clear()
    HerogoldMigrate(waiting_app())  # nothing left: starts without a word

    assert heard.messages == []


def test_a_worker_gives_up_after_the_timeout_naming_what_is_pending(
    waiting_app, tmp_path, database, create_table_migration, heard
):
    create_table_migration("20260301_one", "one")
    create_table_migration("20260302_two", "two")
    app = waiting_app(HEROGOLD_MIGRATE_WAIT_TIMEOUT="0.3")

    with pytest.raises(SchemaWaitTimeout) as raised:
        HerogoldMigrate(app)

    assert raised.value.pending == ("20260301_one", "20260302_two")
    assert str(raised.value).startswith(
        "Gave up after 0.3 s waiting for another process to apply the migrations: "
        "2 pending (20260301_one, 20260302_two) still."
    )
    assert heard.waiting.is_set()
    assert database.table_names() == set()  # it applied nothing, not even the tracking table


def test_a_failed_migration_makes_a_waiting_worker_raise_at_once(
    waiting_app, tmp_path, database, cli, write_migration, create_table_migration
):
    create_table_migration("20260301_one", "one")
    write_migration("20260302_index", body=NON_TRANSACTIONAL)
    assert cli("migrate").exit_code == 1  # recorded as failed: part of it had committed
    # A wait that went on would end in SchemaWaitTimeout, not in the failure.
    app = waiting_app(HEROGOLD_MIGRATE_WAIT_TIMEOUT=10)

    with pytest.raises(FailedMigrationRecorded) as raised:
        HerogoldMigrate(app)

    assert raised.value.stuck == (("20260302_index", "up"),)
    assert "Migration 20260302_index stopped part-way through up()" in str(raised.value)


@pytest.mark.parametrize("value", ["wait", " WAIT ", "Wait"])
@pytest.mark.sqlite_only
def test_wait_is_read_in_any_case(make_app, create_table_migration, value):
    create_table_migration("20260301_one", "one")
    app = make_app(
        name="worker",
        sqlalchemy=False,
        extension=False,
        HEROGOLD_MIGRATE_AUTO=value,
        HEROGOLD_MIGRATE_WAIT_TIMEOUT=0,
    )

    with pytest.raises(SchemaWaitTimeout) as raised:
        HerogoldMigrate(app)

    assert raised.value.pending == ("20260301_one",)
