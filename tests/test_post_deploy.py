"""Post-deploy migrations (``post_deploy = True``): left pending by a run before the deploy
(``migrate --skip-post-deploy``, auto-run) and by the wait for the schema, applied by the
plain ``migrate`` after it."""

from __future__ import annotations

import pytest
from flask import Flask

from flask_herogold_migrate import HerogoldMigrate

POST_DEPLOY = """
from sqlalchemy import text
from flask_herogold_migrate import Migration


class DropLegacy(Migration):
    post_deploy = True

    def up(self, session):
        session.exec(text("CREATE TABLE contracted (id INTEGER PRIMARY KEY)"))

    def down(self, session):
        session.exec(text("DROP TABLE contracted"))
"""


def test_skip_post_deploy_leaves_it_pending_and_a_plain_migrate_applies_it(
    database, cli, write_migration, create_table_migration
):
    create_table_migration("20260301_expand", "expanded")
    write_migration("20260302_contract", body=POST_DEPLOY)
    create_table_migration("20260303_later", "later")

    before = cli("migrate", "--skip-post-deploy")
    assert before.exit_code == 0, before.output
    assert "Applied 2 migrations." in before.output
    assert set(database.migration_rows()) == {"20260301_expand", "20260303_later"}
    assert "contracted" not in database.table_names()

    status = cli("migrate:status")
    assert "20260302_contract  pending (post-deploy)" in status.output

    after = cli("migrate")
    assert after.exit_code == 0, after.output
    assert "Applied 1 migration." in after.output
    # Held back by design: running after a later file is not out of order.
    assert "out of order" not in after.output
    assert "contracted" in database.table_names()
    assert set(database.migration_rows()) == {
        "20260301_expand",
        "20260302_contract",
        "20260303_later",
    }
    assert "(post-deploy)" not in cli("migrate:status").output


def test_the_out_of_order_error_policy_does_not_refuse_a_held_back_post_deploy_migration(
    database, cli, write_migration, create_table_migration
):
    write_migration("20260302_contract", body=POST_DEPLOY)
    create_table_migration("20260303_later", "later")
    assert cli("migrate", "--skip-post-deploy").exit_code == 0

    result = cli("migrate", "--out-of-order", "error")
    assert result.exit_code == 0, result.output
    assert "contracted" in database.table_names()


def test_auto_run_leaves_post_deploy_migrations_for_the_migrate_after_the_deploy(
    tmp_path, database, migrations_dir, write_migration, create_table_migration, cli
):
    create_table_migration("20260301_expand", "expanded")
    write_migration("20260302_contract", body=POST_DEPLOY)
    app = Flask("worker", root_path=str(tmp_path), instance_path=str(tmp_path / "instance"))
    app.config.update(SQLALCHEMY_DATABASE_URI=database.url, HEROGOLD_MIGRATE_AUTO=True)

    HerogoldMigrate(app)

    assert set(database.migration_rows()) == {"20260301_expand"}
    assert "contracted" not in database.table_names()
    assert cli("migrate").exit_code == 0
    assert "20260302_contract" in database.migration_rows()


def test_auto_run_with_only_post_deploy_migrations_pending_changes_nothing(
    tmp_path, database, write_migration
):
    write_migration("20260302_contract", body=POST_DEPLOY)
    app = Flask("worker", root_path=str(tmp_path), instance_path=str(tmp_path / "instance"))
    app.config.update(SQLALCHEMY_DATABASE_URI=database.url, HEROGOLD_MIGRATE_AUTO=True)

    HerogoldMigrate(app)

    # The startup check's path: no lock taken, so not even the tracking table is made.
    assert database.table_names() == set()


def test_pretend_skip_post_deploy_rehearses_the_pre_deploy_run(
    database, cli, write_migration, create_table_migration
):
    create_table_migration("20260301_expand", "expanded")
    write_migration("20260302_contract", body=POST_DEPLOY)

    result = cli("migrate", "--pretend", "--skip-post-deploy")

    assert result.exit_code == 0, result.output
    assert "20260301_expand" in result.output
    assert "20260302_contract" not in result.output
    assert "expanded" not in database.table_names()


def test_migrate_wait_does_not_wait_for_a_post_deploy_migration(
    database, cli, write_migration, create_table_migration
):
    create_table_migration("20260301_expand", "expanded")
    write_migration("20260302_contract", body=POST_DEPLOY)
    assert cli("migrate", "--skip-post-deploy").exit_code == 0

    result = cli("migrate:wait", "--timeout", "0")
    assert result.exit_code == 0, result.output
    assert "The migrations are applied." in result.output


def test_make_post_deploy_writes_a_migration_the_pre_deploy_run_skips(tmp_path, migrations_dir):
    from click.testing import CliRunner

    from flask_herogold_migrate.__main__ import main

    url = f"sqlite:///{tmp_path / 'app.db'}"
    runner = CliRunner()
    made = runner.invoke(
        main, ["migrate:make", "drop_legacy_columns", "--post-deploy", "--dir", str(migrations_dir)]
    )
    assert made.exit_code == 0, made.output
    (path,) = migrations_dir.glob("*_drop_legacy_columns.py")
    assert "    post_deploy = True\n" in path.read_text()

    run = runner.invoke(
        main, ["migrate", "--skip-post-deploy", "--dir", str(migrations_dir), "--database-url", url]
    )
    assert run.exit_code == 0, run.output
    assert "Nothing to migrate." in run.output
    run = runner.invoke(main, ["migrate", "--dir", str(migrations_dir), "--database-url", url])
    assert "Applied 1 migration." in run.output, run.output


def test_a_post_deploy_flag_the_file_does_not_show_is_refused(tmp_path, migrations_dir, cli_sqlite):
    (migrations_dir / "20260301_hidden.py").write_text(
        "from flask_herogold_migrate import Migration\n\n\n"
        "class Later(Migration):\n"
        "    post_deploy = 1 == 1\n\n"
        "    def up(self, session):\n        pass\n"
    )
    result = cli_sqlite("migrate", "--skip-post-deploy")
    assert result.exit_code == 1
    assert "20260301_hidden sets post_deploy in a way its file does not show" in result.output


@pytest.fixture
def cli_sqlite(tmp_path, migrations_dir):
    from click.testing import CliRunner

    from flask_herogold_migrate.__main__ import main

    url = f"sqlite:///{tmp_path / 'app.db'}"

    def run(*args: str):
        return CliRunner().invoke(
            main, [*args, "--dir", str(migrations_dir), "--database-url", url]
        )

    return run
