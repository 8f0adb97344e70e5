"""The Flask extension: app factory setup, config, the app's engine, auto-run."""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import re
from pathlib import Path

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import create_engine, inspect

from flask_herogold_migrate import HerogoldMigrate, MigrationFailed, MigrationManager
from flask_herogold_migrate.core import ConfigurationError
from tests.conftest import AppMaker
from tests.helpers import run_flask


def make_app(tmp_path: Path, url: str, **config) -> Flask:
    """A bare app (no Flask-SQLAlchemy, no extension yet): these tests add them their ways."""
    bare = AppMaker(tmp_path, url)
    return bare(name="factory_app", sqlalchemy=False, extension=False, **config)


def test_init_app_registers_itself_config_defaults_and_commands(tmp_path):
    app = make_app(tmp_path, "sqlite://")
    migrate = HerogoldMigrate()

    migrate.init_app(app)

    assert app.extensions["herogold_migrate"].extension is migrate
    assert app.config["HEROGOLD_MIGRATE_DIR"] == "migrations"
    assert app.config["HEROGOLD_MIGRATE_TABLE"] == "migrations"
    assert app.config["HEROGOLD_MIGRATE_AUTO"] is False
    assert app.config["HEROGOLD_MIGRATE_LOCK_TIMEOUT"] == 60
    assert app.config["HEROGOLD_MIGRATE_SINGLE_TRANSACTION"] is False
    assert {
        "migrate",
        "migrate:make",
        "migrate:status",
        "migrate:rollback",
        "migrate:reset",
        "migrate:repair",
    } <= set(app.cli.commands)


def test_init_app_twice_on_one_app_raises_and_keeps_the_first_registration(tmp_path):
    app = make_app(tmp_path, "sqlite://")
    first, second = HerogoldMigrate(), HerogoldMigrate()
    first.init_app(app)

    with pytest.raises(RuntimeError, match="already registered on this Flask app"):
        second.init_app(app)
    with pytest.raises(RuntimeError, match="use that instance instead"):
        first.init_app(app)

    assert app.extensions["herogold_migrate"].extension is first


def test_one_extension_object_serves_several_apps(tmp_path, database, create_table_migration):
    create_table_migration("20260301_one", "one")
    migrate = HerogoldMigrate()
    other_dir = tmp_path / "other"
    app_a = make_app(tmp_path, database.url)
    app_b = make_app(other_dir, "sqlite://", HEROGOLD_MIGRATE_DIR=str(other_dir / "m"))
    migrate.init_app(app_a)
    migrate.init_app(app_b)

    with app_a.app_context():
        assert migrate.manager().run_migrations() == ["20260301_one"]
    with app_b.app_context():
        assert migrate.manager().migrations_dir == other_dir / "m"


@pytest.mark.sqlite_only
def test_relative_dir_resolves_against_root_path_not_the_working_directory(
    app, tmp_path, monkeypatch, migrations_dir
):
    monkeypatch.chdir("/")
    result = app.test_cli_runner().invoke(args=["migrate:make", "first"])

    assert result.exit_code == 0, result.output
    assert len(list(migrations_dir.glob("*_first.py"))) == 1


@pytest.mark.sqlite_only
def test_dir_option_overrides_the_configured_directory(app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = app.test_cli_runner().invoke(args=["migrate:make", "first", "--dir", "elsewhere"])

    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "elsewhere").glob("*_first.py"))) == 1


def test_flask_commands_migrate_on_the_apps_database(app, database, create_table_migration):
    create_table_migration("20260301_one", "one")
    runner = app.test_cli_runner()

    migrated = runner.invoke(args=["migrate"])
    status = runner.invoke(args=["migrate:status", "--json"])

    assert migrated.exit_code == 0, migrated.output
    assert "one" in database.table_names()
    assert [e["state"] for e in json.loads(status.output)["migrations"]] == ["applied"]
    assert runner.invoke(args=["migrate:reset", "--force"]).exit_code == 0
    assert "one" not in database.table_names()


def test_manager_without_engine_uses_the_apps_engine_in_an_app_context(
    app, database, migrations_dir, create_table_migration
):
    create_table_migration("20260301_one", "one")

    with app.app_context():
        assert MigrationManager(migrations_dir).run_migrations() == ["20260301_one"]
    assert "one" in database.table_names()


def test_engine_from_the_uri_when_no_flask_sqlalchemy(tmp_path, database, create_table_migration):
    create_table_migration("20260301_one", "one")
    app = make_app(tmp_path, database.url)
    HerogoldMigrate(app)

    result = app.test_cli_runner().invoke(args=["migrate"])

    assert result.exit_code == 0, result.output
    assert "one" in database.table_names()


def test_no_database_at_all_is_one_error_line(tmp_path, create_table_migration):
    create_table_migration("20260301_one", "one")
    app = Flask("factory_app", root_path=str(tmp_path))
    HerogoldMigrate(app)

    result = app.test_cli_runner().invoke(args=["migrate"])

    assert result.exit_code == 1
    assert result.output == (
        "Error: HerogoldMigrate needs a database: pass the Flask-SQLAlchemy db to init_app(), "
        "or set SQLALCHEMY_DATABASE_URI.\n"
    )


def test_relative_sqlite_uri_means_the_instance_folder_as_in_flask_sqlalchemy(
    tmp_path, create_table_migration
):
    create_table_migration("20260301_one", "one")
    app = make_app(tmp_path, "sqlite:///app.db")
    db = SQLAlchemy(app)
    HerogoldMigrate(app)  # db found in app.extensions

    assert app.test_cli_runner().invoke(args=["migrate"]).exit_code == 0
    assert (tmp_path / "instance" / "app.db").exists()
    with app.app_context():
        db.engine.dispose()


def test_auto_run_applies_pending_migrations_in_init_app(
    tmp_path, database, create_table_migration
):
    create_table_migration("20260301_one", "one")
    app = make_app(tmp_path, database.url, HEROGOLD_MIGRATE_AUTO=True)
    db = SQLAlchemy(app)

    HerogoldMigrate(app, db)

    assert "one" in database.table_names()
    assert database.migration_rows()["20260301_one"]["batch"] == 1
    with app.app_context():
        db.engine.dispose()


def test_auto_run_logs_what_it_applies_and_nothing_when_nothing_is_pending(
    tmp_path, database, create_table_migration, caplog
):
    create_table_migration("20260301_one", "one")
    create_table_migration("20260302_two", "two")
    caplog.set_level(logging.INFO, logger="flask_herogold_migrate")

    HerogoldMigrate(make_app(tmp_path, database.url, HEROGOLD_MIGRATE_AUTO=True))

    logged = [r for r in caplog.records if r.name == "flask_herogold_migrate"]
    assert {r.levelname for r in logged} == {"INFO"}
    assert [re.sub(r" \(\d+\.\d ms\)$", "", r.getMessage()) for r in logged] == [
        "[1/2] Migrating: 20260301_one",
        "Migrated: 20260301_one",
        "[2/2] Migrating: 20260302_two",
        "Migrated: 20260302_two",
        f"Auto-run in process {os.getpid()}: Applied 2 migrations.",
    ]
    assert {"one", "two"} <= database.table_names()
    caplog.clear()

    HerogoldMigrate(make_app(tmp_path, database.url, HEROGOLD_MIGRATE_AUTO=True))

    assert [r for r in caplog.records if r.name == "flask_herogold_migrate"] == []


def test_auto_run_warns_at_every_start_of_a_file_it_will_not_run(
    tmp_path, database, create_table_migration, caplog
):
    create_table_migration("20260301_one", "one")
    create_table_migration("20260230_typo", "typo")
    caplog.set_level(logging.INFO, logger="flask_herogold_migrate")

    for _ in range(2):  # the start that applies, then one with nothing to do
        caplog.clear()
        HerogoldMigrate(make_app(tmp_path, database.url, HEROGOLD_MIGRATE_AUTO=True))
        warnings = [
            r.getMessage()
            for r in caplog.records
            if r.name == "flask_herogold_migrate" and r.levelname == "WARNING"
        ]
        assert len(warnings) == 1 and warnings[0].startswith(
            "Warning: 20260230_typo.py is not run, its name is not a migration's: 20260230 is "
            "not a date."
        )
    assert "typo" not in database.table_names()


def test_auto_run_failure_raises_from_init_app_naming_the_migration(
    tmp_path, database, write_migration
):
    write_migration("20260301_broken", "SELECT * FROM no_such_table")
    app = make_app(tmp_path, database.url, HEROGOLD_MIGRATE_AUTO=True)
    db = SQLAlchemy(app)

    with pytest.raises(MigrationFailed, match="20260301_broken"):
        HerogoldMigrate(app, db)
    with app.app_context():
        db.engine.dispose()


def test_auto_run_with_nothing_pending_imports_no_migration(
    tmp_path, database, write_migration, create_table_migration
):
    create_table_migration("20260301_one", "one")
    app = make_app(tmp_path, database.url)
    HerogoldMigrate(app)
    with app.app_context():
        app.extensions["herogold_migrate"].extension.manager().run_migrations()
    # Now make the applied file impossible to import: the check must not notice.
    write_migration("20260301_one", body="raise SystemExit('imported at startup')\n")
    app2 = make_app(tmp_path, database.url, HEROGOLD_MIGRATE_AUTO=True)

    HerogoldMigrate(app2)

    assert set(database.migration_rows()) == {"20260301_one"}


def test_startup_check_with_nothing_pending_runs_one_query(
    tmp_path, database, create_table_migration
):
    from sqlalchemy import event

    for day in range(1, 10):
        create_table_migration(f"2026030{day}_t{day}", f"t{day}")
    app = make_app(tmp_path, database.url)
    db = SQLAlchemy(app)
    HerogoldMigrate(app, db)
    statements: list[str] = []
    with app.app_context():
        app.extensions["herogold_migrate"].extension.manager().run_migrations()
        engine = db.engine
        with engine.connect():
            pass  # the pool's first connection runs the dialect's own set-up queries

        def record(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        assert app.extensions["herogold_migrate"].extension.manager().run_migrations() == []
        event.remove(engine, "before_cursor_execute", record)
        engine.dispose()

    assert len(statements) == 1, statements
    assert statements[0].lstrip().upper().startswith("SELECT")
    assert "migrations" in statements[0]


APP_MODULE = """
import os
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_herogold_migrate import HerogoldMigrate

db = SQLAlchemy()


def create_app():
    app = Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI=os.environ["DATABASE_URL"],
                      HEROGOLD_MIGRATE_AUTO=os.environ.get("AUTO", True))
    db.init_app(app)
    HerogoldMigrate(app, db)
    return app
"""


def test_auto_run_leaves_the_migrate_commands_alone(tmp_path, database, create_table_migration):
    """``flask migrate:status`` with auto-run on reports, it does not migrate first."""
    import os
    import subprocess
    import sys

    (tmp_path / "autoapp.py").write_text(APP_MODULE)
    create_table_migration("20260301_one", "one")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "HEROGOLD_"))}
    env["DATABASE_URL"] = database.url
    flask = [sys.executable, "-m", "flask", "--app", "autoapp"]

    def run(*args):
        return subprocess.run(
            [*flask, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )

    status = run("migrate:status", "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["migrations"][0]["state"] == "pending"
    assert "one" not in database.table_names()

    env["AUTO"] = "maybe"  # a bad value stops the app and every command alike
    for command in ("migrate:status", "migrate", "migrate:rollback"):
        refused = run(command)
        assert refused.returncode == 1
        bad = f"HEROGOLD_MIGRATE_AUTO='maybe' {NEITHER_ON_NOR_OFF_NOR_WAIT}"
        assert refused.stderr == f"Error: {bad}\n"
    refused = run("routes")
    assert refused.returncode != 0 and "HEROGOLD_MIGRATE_AUTO='maybe'" in refused.stderr
    assert "one" not in database.table_names()
    del env["AUTO"]

    other = run("routes")  # any other command builds the app, and auto-run applies
    assert other.returncode == 0, other.stderr
    assert "one" in database.table_names()


# Config values often come from the environment as strings: they are parsed, never tested for
# truth, so "0" and "false" mean off.
NEITHER_TRUE_NOR_FALSE = (
    "is neither true nor false: use 1, true, yes or on, or 0, false, no or off."
)
#: HEROGOLD_MIGRATE_AUTO also takes "wait".
NEITHER_ON_NOR_OFF_NOR_WAIT = (
    "is neither true nor false nor wait: use 1, true, yes or on, 0, false, no or off, or wait."
)
NOT_SECONDS = "is not a number of seconds: use a number of seconds, 0 or more, such as 60 or 2.5."


def sqlite_app(tmp_path: Path, **config) -> Flask:
    return make_app(tmp_path, f"sqlite:///{tmp_path / 'app.db'}", **config)


def tables_of(app: Flask) -> set[str]:
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize("value", ["0", "false", "False", " off ", "no", "", 0, False, None])
def test_auto_set_to_an_off_value_applies_nothing(tmp_path, create_table_migration, value):
    create_table_migration("20260301_one", "one")
    app = sqlite_app(tmp_path, HEROGOLD_MIGRATE_AUTO=value)

    HerogoldMigrate(app)

    assert tables_of(app) == set()


@pytest.mark.parametrize("value", ["1", "true", "YES", " on ", 1, True])
def test_auto_set_to_an_on_value_applies_at_startup(tmp_path, create_table_migration, value):
    create_table_migration("20260301_one", "one")
    app = sqlite_app(tmp_path, HEROGOLD_MIGRATE_AUTO=value)

    HerogoldMigrate(app)

    assert tables_of(app) == {"one", "migrations", "migrations_digest"}


@pytest.mark.parametrize("value", ["maybe", "ture", "2", 2, 0.5, []])
def test_auto_neither_on_nor_off_is_refused_by_init_app(tmp_path, create_table_migration, value):
    create_table_migration("20260301_one", "one")
    app = sqlite_app(tmp_path, HEROGOLD_MIGRATE_AUTO=value)

    with pytest.raises(ConfigurationError) as raised:
        HerogoldMigrate(app)

    assert str(raised.value) == f"HEROGOLD_MIGRATE_AUTO={value!r} {NEITHER_ON_NOR_OFF_NOR_WAIT}"
    assert tables_of(app) == set()


@pytest.mark.parametrize(
    ("value", "last_line"),
    [
        ("false", "Applied 1 migration."),
        ("0", "Applied 1 migration."),
        ("off", "Applied 1 migration."),
        ("true", "Applied 1 migration in one transaction."),
        ("On", "Applied 1 migration in one transaction."),
    ],
)
def test_single_transaction_string_values_mean_what_they_say(
    tmp_path, create_table_migration, value, last_line
):
    create_table_migration("20260301_one", "one")
    app = sqlite_app(tmp_path, HEROGOLD_MIGRATE_SINGLE_TRANSACTION=value)
    HerogoldMigrate(app)

    result = app.test_cli_runner().invoke(args=["migrate"])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == last_line
    assert tables_of(app) == {"one", "migrations", "migrations_digest"}


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("HEROGOLD_MIGRATE_SINGLE_TRANSACTION", "ture", NEITHER_TRUE_NOR_FALSE),
        ("HEROGOLD_MIGRATE_SINGLE_TRANSACTION", "2", NEITHER_TRUE_NOR_FALSE),
        ("HEROGOLD_MIGRATE_LOCK_TIMEOUT", "abc", NOT_SECONDS),
        ("HEROGOLD_MIGRATE_LOCK_TIMEOUT", "inf", NOT_SECONDS),
        ("HEROGOLD_MIGRATE_LOCK_TIMEOUT", -1, NOT_SECONDS),
        ("HEROGOLD_MIGRATE_LOCK_TIMEOUT", None, NOT_SECONDS),
    ],
)
def test_a_bad_setting_is_one_error_line_naming_key_and_value(
    tmp_path, create_table_migration, monkeypatch, key, value, problem
):
    create_table_migration("20260301_one", "one")

    def create_app():
        app = sqlite_app(tmp_path, **{key: value})
        HerogoldMigrate(app)
        return app

    with pytest.raises(ConfigurationError) as raised:
        create_app()
    assert str(raised.value) == f"{key}={value!r} {problem}"

    result = run_flask(monkeypatch, create_app, "migrate")

    assert result.exit_code == 1
    assert result.output == f"Error: {key}={value!r} {problem}\n"
    assert tables_of(sqlite_app(tmp_path)) == set()


@pytest.mark.parametrize(("value", "seconds"), [("2.5", 2.5), (" 30 ", 30.0), (0, 0.0), (7, 7.0)])
def test_lock_timeout_takes_numbers_and_numeric_strings(tmp_path, value, seconds):
    app = sqlite_app(tmp_path, HEROGOLD_MIGRATE_LOCK_TIMEOUT=value)
    migrate = HerogoldMigrate(app)

    with app.app_context():
        assert migrate.manager().lock_timeout == seconds


def test_a_config_uri_whose_driver_is_missing_is_one_error_line(tmp_path):
    if importlib.util.find_spec("MySQLdb") is not None:
        pytest.skip("MySQLdb is installed here")
    app = make_app(tmp_path, "mysql://shop:s3cret@127.0.0.1/shop")  # no Flask-SQLAlchemy
    HerogoldMigrate(app)

    result = app.test_cli_runner().invoke(args=["migrate:status"])

    assert result.exit_code == 1
    assert result.output == (
        "Error: Cannot use the database URL mysql://shop:***@127.0.0.1/shop: its driver needs "
        "the Python module MySQLdb, which is not installed. Use "
        "mysql+pymysql://shop:***@127.0.0.1/shop instead (the pymysql driver, which pip "
        'install "flask-herogold-migrate[mysql]" installs), or install that module.\n'
    )


@pytest.mark.parametrize("flask_sqlalchemy", [True, False], ids=["flask_sqlalchemy", "uri_only"])
def test_a_relative_sqlite_filename_uri_means_the_instance_folder_and_locks_there(
    tmp_path, create_table_migration, flask_sqlalchemy
):
    create_table_migration("20260301_one", "one")
    app = make_app(tmp_path, "sqlite:///file:app.db?uri=true")
    db = SQLAlchemy(app) if flask_sqlalchemy else SQLAlchemy()  # the second never sees the app
    HerogoldMigrate(app, db if flask_sqlalchemy else None)

    result = app.test_cli_runner().invoke(args=["migrate"])

    assert result.exit_code == 0, result.output
    assert "Migrated: 20260301_one" in result.output
    instance = tmp_path / "instance"
    assert sorted(p.name for p in instance.iterdir()) == [
        "app.db",
        "app.db.herogold-migrate-migrations.lock",
    ]
    with app.app_context():
        engine = HerogoldMigrate.engine(app)
        assert "one" in inspect(engine).get_table_names()
        assert str(engine.url.database) == f"file:{instance / 'app.db'}"
        engine.dispose()
