"""Pending files dated before the newest applied migration (merged from an older branch):
marked by ``migrate:status``, applied with a warning, refused with ``error``, silent with
``allow``."""

from __future__ import annotations

import json
import logging
import re

import pytest
from flask import Flask

from flask_herogold_migrate import HerogoldMigrate
from flask_herogold_migrate.core import ConfigurationError, OutOfOrderMigrations
from tests.helpers import run_flask

WARNING = (
    "Warning: pending migrations dated before 20260310_newest, the newest applied one, run "
    "after it: 20260301_from_old_branch (out of order)."
)


@pytest.fixture
def merged_late(cli, create_table_migration):
    """20260310_newest applied; then 20260301_from_old_branch and 20260320_later arrive."""
    create_table_migration("20260305_first", "first")
    create_table_migration("20260310_newest", "newest")
    assert cli("migrate").exit_code == 0
    create_table_migration("20260301_from_old_branch", "from_old_branch")
    create_table_migration("20260320_later", "later")


def test_status_marks_a_pending_file_dated_before_the_newest_applied_one(cli, merged_late):
    table = cli("migrate:status")
    document = cli("migrate:status", "--json")

    assert table.exit_code == 0, table.output
    rows = {line.split()[0]: line for line in table.output.splitlines()[2:]}
    assert rows["20260301_from_old_branch"].split()[1:] == ["pending", "(out", "of", "order)"]
    assert rows["20260320_later"].split()[1:] == ["pending"]
    entries = json.loads(document.output)["migrations"]
    assert [(e["name"], e["state"], e["out_of_order"]) for e in entries] == [
        ("20260301_from_old_branch", "pending", True),
        ("20260305_first", "applied", False),
        ("20260310_newest", "applied", False),
        ("20260320_later", "pending", False),
    ]


def test_migrate_applies_it_with_a_warning_by_default(cli, database, merged_late):
    result = cli("migrate")

    assert result.exit_code == 0, result.output
    assert WARNING in result.stderr
    assert "Migrated: 20260301_from_old_branch" in result.stdout
    assert {"from_old_branch", "later"} <= database.table_names()
    rows = database.migration_rows()
    assert rows["20260301_from_old_branch"]["batch"] == rows["20260320_later"]["batch"] == 2
    after = json.loads(cli("migrate:status", "--json").output)["migrations"]
    assert not any(entry["out_of_order"] for entry in after)  # applied: no longer pending


@pytest.mark.parametrize("how", ["option", "environment"])
def test_error_refuses_the_run_naming_the_files_and_applies_nothing(
    cli, database, merged_late, how
):
    if how == "option":
        result = cli("migrate", "--out-of-order", "error")
    else:
        result = cli("migrate", env={"HEROGOLD_MIGRATE_OUT_OF_ORDER": "ERROR"})

    assert result.exit_code == 1
    assert result.output == (
        "Error: 20260301_from_old_branch is dated before 20260310_newest, the newest applied "
        "migration, and HEROGOLD_MIGRATE_OUT_OF_ORDER (--out-of-order) is error. Nothing was "
        "run. Give such a file a name dated after it (it then runs in the order its name "
        "says), or set the setting to warn or allow to apply it out of order.\n"
    )
    assert not {"from_old_branch", "later"} & database.table_names()
    assert set(database.migration_rows()) == {"20260305_first", "20260310_newest"}


def test_error_lets_a_run_without_such_files_go_through(cli, database, create_table_migration):
    create_table_migration("20260310_newest", "newest")
    assert cli("migrate").exit_code == 0
    create_table_migration("20260320_later", "later")

    result = cli("migrate", "--out-of-order", "error")

    assert result.exit_code == 0, result.output
    assert "later" in database.table_names()


def test_allow_applies_it_without_a_warning(cli, database, merged_late):
    result = cli("migrate", "--out-of-order", "allow")

    assert result.exit_code == 0, result.output
    assert "out of order" not in result.output
    assert {"from_old_branch", "later"} <= database.table_names()


@pytest.mark.parametrize("policy", ["warn", "error", "allow"])
def test_the_flask_setting_decides_for_flask_migrate_and_auto_run(
    make_app, database, merged_late, caplog, policy
):
    def app(**config) -> Flask:
        return make_app(
            name="late",
            sqlalchemy=False,
            extension=False,
            HEROGOLD_MIGRATE_OUT_OF_ORDER=policy,
            **config,
        )

    caplog.set_level(logging.INFO, logger="flask_herogold_migrate")
    if policy == "error":
        with pytest.raises(OutOfOrderMigrations) as refused:
            HerogoldMigrate(app(HEROGOLD_MIGRATE_AUTO=True))
        assert refused.value.names == ("20260301_from_old_branch",)
        assert "from_old_branch" not in database.table_names()
        return
    HerogoldMigrate(app(HEROGOLD_MIGRATE_AUTO=True))

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ([WARNING + _REST] if policy == "warn" else [])
    assert {"from_old_branch", "later"} <= database.table_names()


_REST = (
    " HEROGOLD_MIGRATE_OUT_OF_ORDER (--out-of-order) error refuses such files, allow silences "
    "this warning. The run goes on."
)


@pytest.mark.sqlite_only
def test_an_unknown_value_is_one_error_line(tmp_path, database, merged_late, monkeypatch):
    def create_app() -> Flask:
        app = Flask("late", root_path=str(tmp_path), instance_path=str(tmp_path / "i"))
        app.config.update(SQLALCHEMY_DATABASE_URI=database.url, HEROGOLD_MIGRATE_OUT_OF_ORDER="no")
        HerogoldMigrate(app)
        return app

    refused = (
        "HEROGOLD_MIGRATE_OUT_OF_ORDER='no' is not one of the values: use warn, error or allow."
    )
    with pytest.raises(ConfigurationError, match=re.escape(refused)):
        create_app()

    result = run_flask(monkeypatch, create_app, "migrate")

    assert result.exit_code == 1
    assert result.output == f"Error: {refused}\n"
    assert "from_old_branch" not in database.table_names()
