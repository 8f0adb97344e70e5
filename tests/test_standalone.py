"""The commands without Flask, as installed: ``python -m`` and the console script."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from flask_herogold_migrate.__main__ import main


def run(args: list[str], database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEROGOLD_")}
    env["DATABASE_URL"] = database_url
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


def test_console_script_and_module_use_database_url_from_the_environment(
    database, tmp_path, create_table_migration
):
    create_table_migration("20260301_one", "one")
    script = Path(sys.executable).with_name("herogold-migrate")

    applied = run([str(script), "migrate"], database.url, cwd=tmp_path)
    status = run(
        [sys.executable, "-m", "flask_herogold_migrate", "migrate:status", "--json"],
        database.url,
        cwd=tmp_path,
    )

    assert applied.returncode == 0, applied.stderr
    assert "Migrated: 20260301_one" in applied.stdout
    assert applied.stdout.endswith("Applied 1 migration.\n")
    assert applied.stderr == ""  # a clean exit, even with the collector skipped at exit
    assert "one" in database.table_names()
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["migrations"][0]["state"] == "applied"


@pytest.mark.parametrize("how", ["console script", "python -m"])
@pytest.mark.sqlite_only
def test_a_migration_imports_the_application_package_from_the_current_directory(
    database, tmp_path, write_migration, how
):
    package = tmp_path / "shopapp"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "tables.py").write_text("TABLE = 'imported_name'\n")
    write_migration(
        "20260301_uses_app_code",
        body="""
        from sqlalchemy import text
        from flask_herogold_migrate import Migration
        from shopapp.tables import TABLE

        class UsesAppCode(Migration):
            def up(self, session):
                session.exec(text(f"CREATE TABLE {TABLE} (id INTEGER)"))

            def down(self, session):
                session.exec(text(f"DROP TABLE {TABLE}"))
        """,
    )
    command = (
        [str(Path(sys.executable).with_name("herogold-migrate"))]
        if how == "console script"
        else [sys.executable, "-m", "flask_herogold_migrate"]
    )

    result = run([*command, "migrate"], database.url, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "imported_name" in database.table_names()


def test_help_lists_every_command(tmp_path):
    result = run([sys.executable, "-m", "flask_herogold_migrate", "--help"], "", cwd=tmp_path)

    assert result.returncode == 0
    for command in (
        "migrate ",
        "migrate:make",
        "migrate:status",
        "migrate:rollback",
        "migrate:reset",
        "migrate:repair",
    ):
        assert command in result.stdout


@pytest.mark.parametrize(
    ("args", "env", "shown"),
    [
        (["--lock-timeout", "inf"], {}, "'inf'"),
        (["--lock-timeout", "-1"], {}, "'-1'"),
        (["--lock-timeout", "abc"], {}, "'abc'"),
        # The option wins over the variable, even one that is no number.
        (["--lock-timeout", "abc"], {"HEROGOLD_MIGRATE_LOCK_TIMEOUT": "5"}, "'abc'"),
    ],
)
@pytest.mark.sqlite_only
def test_a_lock_timeout_that_is_no_number_of_seconds_is_a_usage_error(
    cli, database, create_table_migration, args, env, shown
):
    create_table_migration("20260301_one", "one")

    result = cli("migrate", *args, env=env)

    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        f"Error: Invalid value for '--lock-timeout': {shown} is not a number of seconds: "
        "use a number of seconds, 0 or more, such as 60 or 2.5."
    )
    assert "one" not in database.table_names()


NO_DATABASE = "Error: No database to migrate: pass --database-url URL or set DATABASE_URL.\n"


@pytest.mark.parametrize("database_url", [None, ""], ids=["unset", "empty"])
@pytest.mark.parametrize(
    "command",
    [
        ["migrate"],
        ["migrate:status"],
        ["migrate:rollback"],
        ["migrate:reset", "--force"],
        ["migrate:repair", "--force"],
    ],
)
def test_without_a_database_url_a_command_says_how_to_give_one(
    migrations_dir, create_table_migration, command, database_url
):
    create_table_migration("20260301_one", "one")

    result = CliRunner().invoke(
        main, [*command, "--dir", str(migrations_dir)], env={"DATABASE_URL": database_url}
    )

    assert result.exit_code == 1
    assert result.output == NO_DATABASE


def test_make_needs_no_database_url(migrations_dir):
    result = CliRunner().invoke(
        main, ["migrate:make", "first", "--dir", str(migrations_dir)], env={"DATABASE_URL": None}
    )

    assert result.exit_code == 0, result.output
    assert [p.name[9:] for p in migrations_dir.iterdir()] == ["first.py"]


def test_a_heroku_style_postgres_url_says_which_scheme_to_write(migrations_dir):
    result = CliRunner().invoke(
        main,
        ["migrate:status", "--dir", str(migrations_dir)],
        env={"DATABASE_URL": "postgres://app:secret@db.example.com:5432/app"},
    )

    assert result.exit_code == 1
    assert result.output == (
        "Error: Invalid database URL: SQLAlchemy does not know the scheme postgres://; write "
        "postgresql+psycopg:// instead (the rest of the URL stays).\n"
    )


MISSING_MODULES = {"pymysql": "MySQLdb", "psycopg": "psycopg2"}


def missing_driver_message(url: str, suggested: str, driver: str, extra: str) -> str:
    return (
        f"Error: Cannot use the database URL {url}: its driver needs the Python module "
        f"{MISSING_MODULES[driver]}, which is not installed. Use {suggested} instead (the "
        f'{driver} driver, which pip install "flask-herogold-migrate[{extra}]" installs), or '
        "install that module.\n"
    )


MISSING_DRIVER_CASES = [
    (
        "mysql://shop:s3cret@127.0.0.1:3306/shop",
        "mysql+pymysql://shop:***@127.0.0.1:3306/shop",
        "pymysql",
        "mysql",
    ),
    (
        "mariadb://shop@127.0.0.1/shop",
        "mariadb+pymysql://shop@127.0.0.1/shop",
        "pymysql",
        "mysql",
    ),
    (
        "postgresql+psycopg2://shop:s3cret@db.example/shop",
        "postgresql+psycopg://shop:***@db.example/shop",
        "psycopg",
        "postgresql",
    ),
]


def skip_if_installed(driver: str) -> None:
    if importlib.util.find_spec(MISSING_MODULES[driver]) is not None:
        pytest.skip(f"{MISSING_MODULES[driver]} is installed here")


@pytest.mark.parametrize(("url", "suggested", "driver", "extra"), MISSING_DRIVER_CASES)
def test_a_url_whose_driver_is_missing_suggests_the_driver_of_the_extra(
    migrations_dir, url, suggested, driver, extra
):
    skip_if_installed(driver)

    result = CliRunner().invoke(
        main, ["migrate:status", "--dir", str(migrations_dir), "--database-url", url]
    )

    assert result.exit_code == 1
    shown = url.replace(":s3cret@", ":***@")
    assert result.output == missing_driver_message(shown, suggested, driver, extra)


@pytest.mark.sqlite_only
def test_relative_dir_option_is_relative_to_the_working_directory(database, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["migrate:make", "first", "--dir", "db/migs"])

    assert result.exit_code == 0, result.output
    assert len(list(Path(tmp_path, "db", "migs").glob("*_first.py"))) == 1
