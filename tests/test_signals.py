"""The run's signals (blinker): every one, in the order things happen, failures included."""

from __future__ import annotations

import subprocess
import sys

import pytest

from flask_herogold_migrate import MigrationFailed, MigrationManager, signals
from tests.many_databases import servers  # noqa: F401  (the fixture)
from tests.test_binds import binds, invoke  # noqa: F401  (the fixture)
from tests.test_tenants import tenants  # noqa: F401  (the fixture)

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


def test_the_bind_or_tenant_is_the_target(binds, tenants, heard):  # noqa: F811
    received, _ = heard
    app = binds.make()

    assert invoke(app, "migrate", "--all-binds").exit_code == 0

    applied = [(name, target) for signal, name, _, target in received if signal.endswith("applied")]
    assert applied == [
        ("20260101_users", None),
        ("20260101_events", "analytics"),
        ("20260102_visits", "analytics"),
        ("20260101_invoices", "billing"),
    ]
    received.clear()
    schemas = tenants.add_schemas(2)

    assert invoke(tenants.make(), "migrate", "--all-tenants").exit_code == 0

    started = {target for signal, *_, target in received if signal == "run_started"}
    assert started == set(schemas)


def test_a_run_without_subscribers_does_not_load_the_signals():
    code = (
        "import sys, flask_herogold_migrate.core, flask_herogold_migrate.__main__\n"
        "print('blinker' in sys.modules, 'flask_herogold_migrate.core.events' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]
