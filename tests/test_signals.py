"""The run's signals (blinker): every one, in the order things happen, failures included."""

from __future__ import annotations

import subprocess
import sys

import pytest

from flask_herogold_migrate import MigrationFailed, MigrationManager, signals

NAMES = (
    "run_started",
    "migration_started",
    "migration_applied",
    "migration_rolled_back",
    "migration_failed",
    "run_finished",
)


@pytest.fixture
def heard():
    """Every signal sent, as ``(signal, name, direction, target)``; the rest kept aside."""
    received: list[tuple] = []
    extras: list[dict] = []

    def subscriber(name):
        def receive(sender, **kwargs):
            assert isinstance(sender, MigrationManager)
            assert set(kwargs) >= {"name", "direction", "duration", "target"}
            received.append((name, kwargs["name"], kwargs["direction"], kwargs["target"]))
            extras.append(kwargs)

        return receive

    receivers = {name: subscriber(name) for name in NAMES}
    for name, receiver in receivers.items():
        getattr(signals, name).connect(receiver)
    yield received, extras
    for name, receiver in receivers.items():
        getattr(signals, name).disconnect(receiver)


def test_a_subscriber_hears_every_step_in_order_up_and_down(
    database, manager, create_table_migration, heard
):
    received, extras = heard
    create_table_migration("20260301_one", "one")
    create_table_migration("20260302_two", "two")

    manager.run_migrations()
    manager.rollback()

    assert received == [
        ("run_started", None, "up", None),
        ("migration_started", "20260301_one", "up", None),
        ("migration_applied", "20260301_one", "up", None),
        ("migration_started", "20260302_two", "up", None),
        ("migration_applied", "20260302_two", "up", None),
        ("run_finished", None, "up", None),
        ("run_started", None, "down", None),
        ("migration_started", "20260302_two", "down", None),
        ("migration_rolled_back", "20260302_two", "down", None),
        ("migration_started", "20260301_one", "down", None),
        ("migration_rolled_back", "20260301_one", "down", None),
        ("run_finished", None, "down", None),
    ]
    applied = extras[2]
    assert applied["duration"] >= 0
    assert extras[5]["names"] == ("20260301_one", "20260302_two")


def test_a_failure_is_sent_before_the_run_ends(
    database, manager, create_table_migration, write_migration, heard
):
    received, extras = heard
    create_table_migration("20260301_one", "one")
    write_migration("20260302_broken", "SELECT * FROM no_such_table")

    with pytest.raises(MigrationFailed):
        manager.run_migrations()

    assert received == [
        ("run_started", None, "up", None),
        ("migration_started", "20260301_one", "up", None),
        ("migration_applied", "20260301_one", "up", None),
        ("migration_started", "20260302_broken", "up", None),
        ("migration_failed", "20260302_broken", "up", None),
        ("run_finished", None, "up", None),
    ]
    failed = extras[4]
    assert isinstance(failed["error"], MigrationFailed)
    assert failed["duration"] >= 0
    assert extras[5]["names"] == ("20260301_one",)


def test_a_tenant_or_bind_is_the_target(tmp_path, database, migrations_dir, heard):
    received, _ = heard
    (migrations_dir / "20260301_one.py").write_text(
        "from flask_herogold_migrate import Migration\n\n\n"
        "class One(Migration):\n    def up(self, session):\n        pass\n"
    )
    manager = MigrationManager(migrations_dir, engine=database.engine)
    manager.target_name = "acme"

    manager.run_migrations()

    assert {target for *_, target in received} == {"acme"}


def test_a_run_without_subscribers_does_not_load_the_signals():
    code = (
        "import sys, flask_herogold_migrate.core, flask_herogold_migrate.__main__\n"
        "print('blinker' in sys.modules, 'flask_herogold_migrate.core.events' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]
