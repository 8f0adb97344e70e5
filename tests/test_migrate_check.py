"""``migrate:check``: exit 1 when a migration is pending or failed or the models differ.

It prints one line per difference (``--json`` a document for scripts), writes nothing, and
takes no lock. The tracking table and tables no model describes are never differences.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy import text

from flask_herogold_migrate.__main__ import main as standalone_main
from flask_herogold_migrate.core.dialects import dialect_for
from tests.helpers import snapshot

CREATE_USERS = (
    "CREATE TABLE users (id INTEGER NOT NULL PRIMARY KEY, email VARCHAR(100) NOT NULL, "
    "nickname VARCHAR(20))"
)


def users_model(email: int = 100, nickname: bool = True) -> sa.MetaData:
    md = sa.MetaData()
    sa.Table(
        "users",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("email", sa.String(email), nullable=False),
        *([sa.Column("nickname", sa.String(20))] if nickname else []),
    )
    return md


@pytest.fixture
def migrated(database, write_migration, cli):
    """A database with one applied migration creating ``users``."""
    write_migration("20260301_create_users", CREATE_USERS, "DROP TABLE users")
    assert cli("migrate").exit_code == 0


def check(app, metadata, *args: str):
    app.config["HEROGOLD_MIGRATE_METADATA"] = metadata
    return app.test_cli_runner().invoke(args=["migrate:check", *args])


def test_models_matching_the_database_exit_0(app, migrated):
    result = check(app, users_model())

    assert result.exit_code == 0, result.output
    assert result.output == "The database is migrated and matches the models.\n"


def test_each_difference_is_one_readable_line_and_exit_1(app, database, migrated):
    md = users_model(email=255, nickname=False)
    sa.Table(
        "posts",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(50), index=True),
    )

    result = check(app, md)

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "+ table posts" in lines
    assert "+ index ix_posts_slug" in lines
    assert "- column users.nickname" in lines
    assert "~ column users.email: VARCHAR(100) -> VARCHAR(255)" in lines
    assert lines[-1] == (
        "The models differ from the database (4 differences): migrate:make NAME "
        "--autogenerate writes the migration."
    )


def test_json_lists_pending_failed_and_differences(app, migrated):
    result = check(app, users_model(email=255), "--json")

    assert result.exit_code == 1
    assert json.loads(result.output) == {
        "pending": [],
        "failed": [],
        "differences": [
            {
                "kind": "~ column",
                "table": "users",
                "name": "email",
                "detail": "VARCHAR(100) -> VARCHAR(255)",
            }
        ],
    }


def test_a_pending_migration_fails_the_check_without_comparing(app, migrated, write_migration):
    write_migration("20260302_add_age", "ALTER TABLE users ADD COLUMN age INTEGER")

    result = check(app, users_model(email=255), "--json")

    assert result.exit_code == 1
    assert json.loads(result.output) == {
        "pending": ["20260302_add_age"],
        "failed": [],
        "differences": [],
    }
    shown = check(app, users_model())
    assert shown.exit_code == 1
    assert shown.output.splitlines() == [
        "Pending migrations: 20260302_add_age",
        "The models were not compared: apply (or repair) the migrations first.",
    ]


def test_a_failed_migration_fails_the_check(app, database, migrated, write_migration, cli):
    # Outside a transaction, a step that fails after a statement stays recorded as failed.
    write_migration(
        "20260302_broken",
        ["CREATE TABLE half_done (id INTEGER)", "SELECT * FROM no_such_table"],
        transactional=False,
    )
    assert cli("migrate").exit_code == 1

    result = check(app, users_model(), "--json")
    shown = check(app, users_model())

    assert result.exit_code == 1
    assert json.loads(result.output) == {
        "pending": [],
        "failed": ["20260302_broken"],
        "differences": [],
    }
    assert shown.output.splitlines()[0] == "Failed migrations: 20260302_broken"


def test_the_tracking_table_and_tables_of_no_model_are_not_differences(app, database, migrated):
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE legacy_orders (id INTEGER PRIMARY KEY)"))
    md = users_model()
    # A model of the same name as the tracking table (reflected by a tool, say): never compared.
    sa.Table("migrations", md, sa.Column("id", sa.Integer, primary_key=True))

    result = check(app, md)

    assert result.exit_code == 0, result.output
    assert {"legacy_orders", "migrations"} <= database.table_names()


def test_check_writes_nothing_and_takes_no_lock(
    database, migrations_dir, migrated, tmp_path, monkeypatch
):
    models = tmp_path / "check_models.py"
    models.write_text(
        textwrap.dedent(
            """
            import sqlalchemy as sa

            metadata = sa.MetaData()
            sa.Table("users", metadata, sa.Column("id", sa.Integer, primary_key=True))
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    before = snapshot(database)

    with database.engine.connect() as holder:
        impl = dialect_for(holder)
        with impl.prepared(holder), impl.locked(holder, "migrations", 5):
            result = CliRunner().invoke(
                standalone_main,
                [
                    "migrate:check",
                    "--metadata",
                    "check_models:metadata",
                    "--lock-timeout",
                    "0.2",
                    "--dir",
                    str(migrations_dir),
                    "--database-url",
                    database.url,
                ],
            )

    assert result.exit_code == 1, result.output  # the model lacks two columns
    assert "- column users.email" in result.output.splitlines()
    assert snapshot(database) == before


@pytest.mark.sqlite_only
def test_the_standalone_command_reads_the_models_from_the_environment(
    cli, migrated, tmp_path, monkeypatch
):
    (tmp_path / "env_models.py").write_text(
        "import sqlalchemy as sa\n"
        "metadata = sa.MetaData()\n"
        "sa.Table('users', metadata, sa.Column('id', sa.Integer, primary_key=True),\n"
        "         sa.Column('email', sa.String(100), nullable=False),\n"
        "         sa.Column('nickname', sa.String(20)))\n"
        "narrow = sa.MetaData()\n"
        "sa.Table('users', narrow, sa.Column('id', sa.Integer, primary_key=True),\n"
        "         sa.Column('email', sa.String(100), nullable=False))\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))

    result = cli("migrate:check", env={"HEROGOLD_MIGRATE_METADATA": "env_models:metadata"})
    # Models without nickname: a command that ignored the variable would answer as above.
    narrow = cli("migrate:check", env={"HEROGOLD_MIGRATE_METADATA": "env_models:narrow"})

    assert result.exit_code == 0, result.output
    assert result.output == "The database is migrated and matches the models.\n"
    assert narrow.exit_code == 1, narrow.output
    assert "- column users.nickname" in narrow.output.splitlines()


@pytest.mark.sqlite_only
def test_no_model_tables_is_one_warning(app, migrated):
    result = check(app, sa.MetaData())

    assert "no model tables found" in result.output
    assert "Does create_app() import the models?" in result.output
    assert result.output.count("Warning") == 1


@pytest.mark.sqlite_only
def test_a_bad_models_setting_is_one_error_line(app, migrated):
    result = check(app, "no_such_module_anywhere:metadata")

    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: HEROGOLD_MIGRATE_METADATA: Cannot import the models of "
    )
    assert "Traceback" not in result.output


def test_an_integer_primary_key_made_by_hand_matches_its_model(app, write_migration, cli):
    # SQLite reflects "id INTEGER PRIMARY KEY" (its rowid, never NULL) as nullable.
    write_migration(
        "20260301_create_notes",
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body VARCHAR(200))",
        "DROP TABLE notes",
    )
    assert cli("migrate").exit_code == 0
    md = sa.MetaData()
    sa.Table(
        "notes",
        md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("body", sa.String(200)),
    )

    result = check(app, md)

    assert result.exit_code == 0, result.output


@pytest.mark.sqlite_only
def test_neither_check_nor_autogenerate_imports_a_migration(app, migrated, migrations_dir):
    # Applied, then made to fail if anything imports it: only its name may be read.
    applied = migrations_dir / "20260301_create_users.py"
    applied.write_text("raise RuntimeError('a migration file was imported')\n")

    checked = check(app, users_model(email=255))
    made = app.test_cli_runner().invoke(args=["migrate:make", "widen_email", "--autogenerate"])

    assert checked.exit_code == 1, checked.output
    assert "~ column users.email: VARCHAR(100) -> VARCHAR(255)" in checked.output
    assert made.exit_code == 0, made.output
    assert "imported" not in checked.output + made.output


@pytest.mark.sqlite_only
def test_the_installed_command_imports_models_from_the_current_directory(
    database, migrations_dir, migrated, tmp_path
):
    project = tmp_path / "project"
    project.mkdir()
    (project / "shop_models.py").write_text(
        "import sqlalchemy as sa\n"
        "metadata = sa.MetaData()\n"
        "sa.Table('users', metadata, sa.Column('id', sa.Integer, primary_key=True))\n"
    )
    script = Path(sys.executable).with_name("herogold-migrate")

    result = subprocess.run(
        [str(script), "migrate:check", "--metadata", "shop_models:metadata",
         "--dir", str(migrations_dir), "--database-url", database.url],
        cwd=project, capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert result.returncode == 1, result.stderr
    assert "- column users.email" in result.stdout.splitlines()


@pytest.mark.sqlite_only
def test_a_model_error_is_named_as_such_not_as_a_database_error(app, database):
    broken = sa.MetaData()
    sa.Table(
        "posts",
        broken,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("authors.id")),  # in no metadata
    )
    app.config["HEROGOLD_MIGRATE_METADATA"] = broken

    result = app.test_cli_runner().invoke(args=["migrate:check"])

    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: The model column posts.author_id has a foreign key to the table authors, "
        "which no model defines"
    )
    assert "Database error" not in result.output
