"""migrate:adopt --from-alembic: a Flask-Migrate history kept, each revision a migration of
ours running its own upgrade() and downgrade() with Alembic's op."""

from __future__ import annotations

import textwrap
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import text

from flask_herogold_migrate import MigrationManager
from flask_herogold_migrate.core import throwaway_database
from tests.flask_migrate_projects import five_revisions, run_flask_migrate
from tests.test_adopt import structure

# The models compared are this file's only (SQLModel's MetaData is one per process).
pytestmark = pytest.mark.usefixtures("sqlmodel_metadata_of_this_test")

TODAY = datetime.now(timezone.utc).strftime("%Y%m%d")
CONVERTED = [
    f"{TODAY}_create_users",
    f"{TODAY}_02_add_email",
    f"{TODAY}_03_index_email",
    f"{TODAY}_04_rename_name_to_full_name",
    f"{TODAY}_05_add_the_first_user",
]


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> tuple[Path, list[str]]:
    """Five revisions made by Flask-Migrate, once for the module (on a scratch SQLite)."""
    project = tmp_path_factory.mktemp("flask_migrate")
    revisions = five_revisions(project, f"sqlite:///{project / 'scratch.db'}")
    return project, revisions


def test_a_history_adopted_at_its_third_revision_applies_the_rest_and_rolls_back(
    database, cli, migrations_dir: Path, history
):
    project, revisions = history
    run_flask_migrate(project, database.url, [["upgrade", revisions[2]]])

    result = cli("migrate:adopt", "--from-alembic", str(project / "fm_migrations"))

    assert result.exit_code == 0, result.output
    assert {p.stem for p in migrations_dir.glob("*.py")} == set(CONVERTED)
    assert "recorded 3 as applied" in result.output
    assert set(database.migration_rows()) == set(CONVERTED[:3])
    assert database.scalar("SELECT version_num FROM alembic_version") == revisions[2]

    applied = cli("migrate")
    assert "Applied 2 migrations." in applied.output, applied.output
    columns = {c["name"] for c in sa.inspect(database.engine).get_columns("users")}
    assert columns == {"id", "full_name", "email"}
    assert database.scalar("SELECT full_name FROM users") == "Ada"

    # The converted history builds the same schema from empty, and rolls back to empty.
    with throwaway_database(database.url) as empty:
        manager = MigrationManager(migrations_dir, engine=empty.engine)
        assert manager.run_migrations() == CONVERTED
        assert structure(empty.engine) == structure(database.engine)
        assert manager.reset() == CONVERTED[::-1]
        assert set(sa.inspect(empty.engine).get_table_names()) == {
            "migrations",
            "migrations_digest",
        }


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_the_converted_files_pass_migrate_test(database, cli, migrations_dir: Path, history):
    project, revisions = history
    run_flask_migrate(project, database.url, [["upgrade", revisions[-1]]])
    assert cli("migrate:adopt", "--from-alembic", str(project / "fm_migrations")).exit_code == 0

    result = cli("migrate:test")

    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_a_converted_file_keeps_the_revision_unchanged(database, cli, migrations_dir, history):
    project, revisions = history
    run_flask_migrate(project, database.url, [["upgrade", revisions[-1]]])
    cli("migrate:adopt", "--from-alembic", str(project / "fm_migrations"))

    converted = (migrations_dir / f"{CONVERTED[3]}.py").read_text()
    original = next((project / "fm_migrations" / "versions").glob("*rename*")).read_text()

    body = original[original.index("from alembic import op") :]
    assert body.strip() in converted
    assert "with alembic_op(session):\n            upgrade()" in converted


def _revision(directory: Path, revision: str, down: str | None) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{revision}_step.py").write_text(
        textwrap.dedent(
            f'''\
            """step {revision}

            Revision ID: {revision}
            Create Date: 2024-01-0{len(list(directory.iterdir())) + 1} 10:00:00.000000

            """
            revision = {revision!r}
            down_revision = {down!r}


            def upgrade():
                pass


            def downgrade():
                pass
            '''
        )
    )


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_branches_merges_and_an_unknown_revision_are_refused(
    database, cli, migrations_dir: Path, tmp_path: Path
):
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('aaa')"))
    branched = tmp_path / "branched" / "versions"
    _revision(branched, "aaa", None)
    _revision(branched, "bbb", "aaa")
    _revision(branched, "ccc", "aaa")
    refused = cli("migrate:adopt", "--from-alembic", str(branched.parent))
    assert refused.exit_code == 1
    assert "the history branches: bbb, ccc all follow aaa" in refused.output

    merged = tmp_path / "merged" / "versions"
    _revision(merged, "aaa", None)
    _revision(merged, "ddd", ("aaa", "zzz"))
    refused = cli("migrate:adopt", "--from-alembic", str(merged.parent))
    assert refused.exit_code == 1
    assert "merge revisions (ddd)" in refused.output

    other = tmp_path / "other" / "versions"
    _revision(other, "eee", None)
    refused = cli("migrate:adopt", "--from-alembic", str(other.parent))
    assert refused.exit_code == 1
    assert "is at the Alembic revision aaa, which" in refused.output

    assert list(migrations_dir.glob("*.py")) == []
    assert database.table_names() == {"alembic_version"}
