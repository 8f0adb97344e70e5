"""Ctrl-C during a run says what it left and what to run next, not just "Aborted!"."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from flask_herogold_migrate import MigrationManager
from flask_herogold_migrate.core.errors.interrupted import Interrupted
from flask_herogold_migrate.core.targets.runs import built_target, run_each

INTERRUPTED = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class Interrupted(Migration):
    def up(self, session):
        session.exec(text("CREATE TABLE half (id INTEGER)"))
        raise KeyboardInterrupt  # Ctrl-C in the middle of the step

    def down(self, session):
        session.exec(text("DROP TABLE half"))
"""


def test_ctrl_c_in_a_step_says_what_it_left_and_what_to_run(
    cli, database, create_table_migration, write_migration
):
    create_table_migration("20260301_first", "first")
    write_migration("20260302_interrupted", body=INTERRUPTED)

    result = cli("migrate")

    assert result.exit_code == 130
    assert "Aborted!" not in result.output
    assert "Error: Interrupted. Applied before that, and kept: 20260301_first." in result.output
    if database.dialect == "mariadb":  # its CREATE TABLE had committed
        assert (
            "20260302_interrupted had partly committed when it stopped, so it is recorded as "
            "failed and blocks further runs." in result.output
        )
        assert "migrate:repair" in result.output
        assert database.migration_rows()["20260302_interrupted"]["state"] == "failed"
    else:
        assert (
            "20260302_interrupted was stopped and rolled back: it is still pending."
            in result.output
        )
        assert set(database.migration_rows()) == {"20260301_first"}
    assert "Run migrate again to go on" in result.output


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)  # the loop over targets
def test_ctrl_c_between_tenants_names_those_never_started(tmp_path, database, write_migration):
    managers = {}
    for name in ("alpha", "beta", "gamma"):
        directory = tmp_path / name
        directory.mkdir()
        if name == "beta":
            write_migration("20260301_interrupted", body=INTERRUPTED, directory=directory)
        else:
            write_migration("20260301_t", "CREATE TABLE t (id INTEGER)", directory=directory)
        engine = create_engine(f"sqlite:///{tmp_path / name}.db")
        managers[name] = MigrationManager(directory, engine)
    targets = [
        built_target(name, lambda manager=manager, **_: manager, "tenant")
        for name, manager in managers.items()
    ]

    with pytest.raises(Interrupted) as interrupted:
        run_each(targets, lambda _, manager: manager.run_migrations())

    message = interrupted.value.describe()
    assert "20260301_interrupted was stopped and rolled back on tenant beta" in message
    assert "Tenants done before: alpha." in message
    assert "Tenants never started: gamma." in message
    assert managers["gamma"].status().pending == ["20260301_t"]
