"""The settings: every ``HEROGOLD_MIGRATE_*`` key read once, a bad value refused in one line
naming its key (by ``create_app()`` and by every command alike), a misspelled key warned of.

Reading settings is no database behaviour: SQLite only.
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from flask_herogold_migrate import HerogoldMigrate, MigrationManager
from flask_herogold_migrate.__main__ import main as standalone_main
from flask_herogold_migrate.core import ConfigurationError
from flask_herogold_migrate.core.config import KEYS, MigrateSettings, read_settings
from tests.helpers import run_flask

BAD_VALUES = [
    ("HEROGOLD_MIGRATE_DIR", 7, "is not a directory path"),
    ("HEROGOLD_MIGRATE_DIR", "", "is not a directory path"),
    ("HEROGOLD_MIGRATE_TABLE", 7, "is not a name"),
    ("HEROGOLD_MIGRATE_TABLE", " migrations", "is not a name"),
    ("HEROGOLD_MIGRATE_AUTO", "maybe", "is neither true nor false nor wait"),
    ("HEROGOLD_MIGRATE_PROTECTED", "perhaps", "is neither true nor false"),
    ("HEROGOLD_MIGRATE_WAIT_INTERVAL", 0, "is not a number of seconds above 0"),
    ("HEROGOLD_MIGRATE_WAIT_TIMEOUT", "soon", "is not a number of seconds"),
    ("HEROGOLD_MIGRATE_OUT_OF_ORDER", "sometimes", "is not one of the values"),
    ("HEROGOLD_MIGRATE_STATEMENT_LOCK_RETRIES", True, "is not a count"),
    ("HEROGOLD_MIGRATE_BINDS", ["analytics"], "is not a mapping"),
    ("HEROGOLD_MIGRATE_BINDS", {"analytics": "m"}, "names the bind 'analytics', which"),
    ("HEROGOLD_MIGRATE_TENANTS", 7, "is neither a callable nor an import string"),
    ("HEROGOLD_MIGRATE_TENANTS", "my app:tenants", "is not an import string"),
    ("HEROGOLD_MIGRATE_TENANT_DIR", 7, "is not a directory path"),
    ("HEROGOLD_MIGRATE_METADATA", 7, "is not a MetaData"),
    ("HEROGOLD_MIGRATE_METADATA", "myapp.models", "is not an import string"),
]


def app_factory(tmp_path: Path, **config: object):
    def create_app() -> Flask:
        app = Flask("settings", root_path=str(tmp_path), instance_path=str(tmp_path / "i"))
        app.config.update(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'app.db'}", **config)
        HerogoldMigrate(app)
        return app

    return create_app


@pytest.mark.parametrize(("key", "value", "problem"), BAD_VALUES)
def test_a_bad_value_stops_create_app_in_one_line_naming_the_key(tmp_path, key, value, problem):
    with pytest.raises(ConfigurationError) as raised:
        app_factory(tmp_path, **{key: value})()

    message = str(raised.value)
    assert message.startswith(f"{key}") and problem in message
    assert "\n" not in message


@pytest.mark.parametrize("command", ["migrate", "migrate:status", "migrate:make", "migrate:check"])
@pytest.mark.parametrize(("key", "value", "problem"), BAD_VALUES)
def test_a_bad_value_stops_every_flask_command_in_one_line(
    tmp_path, monkeypatch, command, key, value, problem
):
    (tmp_path / "migrations").mkdir()
    args = [command, "first"] if command == "migrate:make" else [command]

    result = run_flask(monkeypatch, app_factory(tmp_path, **{key: value}), *args)

    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"Error: {key}")
    assert problem in result.output and len(result.output.splitlines()) == 1
    assert list((tmp_path / "migrations").iterdir()) == []
    assert not (tmp_path / "app.db").exists() or (tmp_path / "app.db").stat().st_size == 0


def test_a_misspelled_key_warns_once_with_the_key_it_resembles(tmp_path):
    (tmp_path / "migrations").mkdir()
    create_app = app_factory(tmp_path, HEROGOLD_MIGRATE_TABEL="jobs", HEROGOLD_MIGRATE_X=1)

    with pytest.warns(UserWarning) as caught:
        app = create_app()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a command reads the settings without warning again
        result = app.test_cli_runner().invoke(args=["migrate:status"])
        assert result.exit_code == 0, result.output

    messages = [str(w.message) for w in caught]
    assert messages == [
        "Unknown setting HEROGOLD_MIGRATE_TABEL is ignored: did you mean HEROGOLD_MIGRATE_TABLE?",
        "Unknown setting HEROGOLD_MIGRATE_X is ignored: no setting has this name.",
    ]


def test_the_settings_are_read_again_when_the_config_changes_after_init_app(tmp_path):
    (tmp_path / "migrations").mkdir()
    app = app_factory(tmp_path)()
    migrate: HerogoldMigrate = app.extensions["herogold_migrate"].extension
    app.config["HEROGOLD_MIGRATE_TABLE"] = "jobs_migrations"

    with app.app_context():
        assert migrate.manager().tracking.name == "jobs_migrations"

    app.config["HEROGOLD_MIGRATE_TABLE"] = 7
    result = app.test_cli_runner().invoke(args=["migrate:status"])
    assert result.exit_code == 1
    assert result.output == (
        "Error: HEROGOLD_MIGRATE_TABLE=7 is not a name: give it as text, such as 'migrations'.\n"
    )


def test_a_manager_gets_its_run_options_when_it_is_built(tmp_path):
    app = app_factory(tmp_path, HEROGOLD_MIGRATE_SINGLE_TRANSACTION=True)()
    migrate: HerogoldMigrate = app.extensions["herogold_migrate"].extension
    shown: list[object] = []

    with app.app_context():
        default = migrate.manager()
        per_run = migrate.manager(single_transaction=False, progress=shown.append)

    assert default.single_transaction is True and default.progress is None
    assert per_run.single_transaction is False and per_run.progress == shown.append
    settings = read_settings({})
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.table = "other"  # type: ignore[misc]


def test_every_key_has_a_default_that_reads_as_the_settings_default():
    defaults = read_settings({key.name: key.default for key in KEYS})

    assert defaults == MigrateSettings()


def test_the_public_constructor_still_takes_the_documented_arguments(tmp_path):
    manager = MigrationManager(
        migrations_dir=tmp_path, engine="sqlite://", table="jobs", lock_timeout=5
    )

    assert manager.tracking.name == "jobs" and manager.lock_timeout == 5


def standalone(tmp_path: Path, *args: str, env: dict[str, str]):
    (tmp_path / "migrations").mkdir(exist_ok=True)
    url = f"sqlite:///{tmp_path / 'app.db'}"
    return CliRunner().invoke(
        standalone_main,
        [*args, "--dir", str(tmp_path / "migrations"), "--database-url", url],
        env=env,
    )


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("HEROGOLD_MIGRATE_LOCK_TIMEOUT", "abc", "is not a number of seconds"),
        ("HEROGOLD_MIGRATE_CONNECTION_CHECK_INTERVAL", "-1", "is not a number of seconds"),
        ("HEROGOLD_MIGRATE_STATEMENT_LOCK_TIMEOUT", "soon", "is not a number of seconds"),
        ("HEROGOLD_MIGRATE_STATEMENT_LOCK_RETRIES", "x", "is not a count"),
        ("HEROGOLD_MIGRATE_OUT_OF_ORDER", "maybe", "is not one of the values"),
        ("HEROGOLD_MIGRATE_SINGLE_TRANSACTION", "ture", "is neither true nor false"),
        ("HEROGOLD_MIGRATE_TABLE", " spaced", "is not a name"),
    ],
)
def test_the_standalone_command_names_a_bad_environment_variable(
    tmp_path, variable, value, problem
):
    result = standalone(tmp_path, "migrate", env={variable: value})

    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {variable}={value!r} {problem}")
    assert "--" not in result.output and len(result.output.splitlines()) == 1


def test_an_option_given_wins_over_its_variable(tmp_path):
    env = {"HEROGOLD_MIGRATE_TABLE": "from_env"}

    assert standalone(tmp_path, "migrate:make", "first", env=env).exit_code == 0
    assert standalone(tmp_path, "migrate", env=env).exit_code == 0
    assert standalone(tmp_path, "migrate", "--table", "from_option", env=env).exit_code == 0

    from sqlalchemy import create_engine, inspect

    engine = create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    try:
        assert set(inspect(engine).get_table_names()) == {
            "from_env",
            "from_env_digest",
            "from_option",
            "from_option_digest",
        }
    finally:
        engine.dispose()


def test_the_standalone_command_warns_of_a_misspelled_variable(tmp_path):
    result = standalone(tmp_path, "migrate:status", env={"HEROGOLD_MIGRATE_LOCK_TIMOUT": "5"})

    assert result.exit_code == 0, result.output
    assert (
        "Warning: Unknown environment variable HEROGOLD_MIGRATE_LOCK_TIMOUT is ignored: did "
        "you mean HEROGOLD_MIGRATE_LOCK_TIMEOUT?"
    ) in result.output


NOT_IMPORTED = (
    "Error: HEROGOLD_MIGRATE_METADATA: Cannot import the models of "
    "'no_such_models_module:metadata': No module named 'no_such_models_module'.\n"
)


def test_models_that_fail_to_import_are_one_line_naming_the_key(tmp_path, monkeypatch):
    (tmp_path / "migrations").mkdir()
    create_app = app_factory(tmp_path, HEROGOLD_MIGRATE_METADATA="no_such_models_module:metadata")
    create_app()  # well formed: the module is imported when a command needs the models

    flask = run_flask(monkeypatch, create_app, "migrate:check")
    env = {"HEROGOLD_MIGRATE_METADATA": "no_such_models_module:metadata"}
    alone = standalone(tmp_path, "migrate:check", env=env)

    assert (flask.exit_code, flask.output) == (1, NOT_IMPORTED)
    assert (alone.exit_code, alone.output) == (1, NOT_IMPORTED)
