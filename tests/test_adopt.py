"""migrate:adopt: a database made by Flask-Migrate (or create_all()) taken over by a baseline
of its live schema, verified on a throwaway database before anything is recorded."""

from __future__ import annotations

import textwrap
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import text

from flask_herogold_migrate import MigrationManager
from flask_herogold_migrate.core import throwaway_database
from tests.flask_migrate_projects import blog_database
from tests.helpers import reflected

TODAY = datetime.now(timezone.utc).strftime("%Y%m%d")

BLOG_MODELS = textwrap.dedent(
    """
    import sqlalchemy as sa

    metadata = sa.MetaData()
    sa.Table("users", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(120), nullable=False, unique=True),
        sa.Column("name", sa.String(80)))
    posts = sa.Table("posts", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("status", sa.Enum("draft", "published", name="post_status"),
                  nullable=False, server_default="draft"),
        sa.Column("created_at", sa.DateTime, server_default=sa.func.now()))
    sa.Index("ix_posts_title", posts.c.title)
    """
)


def structure(engine) -> dict:
    """The schema as reflection sees it, without rows and without either tool's table."""
    return {
        table: {key: value for key, value in state.items() if key != "rows"}
        for table, state in reflected(engine).items()
        if table != "alembic_version"
    }


def test_a_flask_migrate_database_is_adopted_without_touching_a_row(
    database, cli, migrations_dir: Path, tmp_path: Path, write_migration, monkeypatch
):
    blog_database(tmp_path / "blog", database.url)
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO users (email, name) VALUES ('ada@example.com', 'Ada')"))
    revision = database.scalar("SELECT version_num FROM alembic_version")

    result = cli("migrate:adopt")

    assert result.exit_code == 0, result.output
    baseline = migrations_dir / f"{TODAY}_baseline.py"
    assert baseline.exists()
    assert f"alembic_version is left in place (revision {revision})" in result.output
    rows = database.migration_rows()
    assert list(rows) == [f"{TODAY}_baseline"]
    assert rows[f"{TODAY}_baseline"]["batch"] == 1
    assert database.scalar("SELECT name FROM users") == "Ada"  # nothing ran over the tables
    assert database.scalar("SELECT version_num FROM alembic_version") == revision

    assert cli("migrate").output.strip().endswith("Nothing to migrate.")
    (tmp_path / "blog_models.py").write_text(BLOG_MODELS)
    monkeypatch.syspath_prepend(str(tmp_path))
    check = cli("migrate:check", "--metadata", "blog_models:metadata")
    assert check.exit_code == 0, check.output

    # The baseline builds the same schema on an empty database of the same kind.
    with throwaway_database(database.url) as empty:
        built = MigrationManager(migrations_dir, engine=empty.engine)
        assert built.run_migrations() == [f"{TODAY}_baseline"]
        assert structure(empty.engine) == structure(database.engine)
        # And its down() undoes it (on MariaDB, the index a foreign key uses goes with its table).
        assert built.reset() == [f"{TODAY}_baseline"]
        assert structure(empty.engine) == {}

    # And the project goes on from there.
    write_migration(
        "20991231_add_bio_to_users",
        "ALTER TABLE users ADD COLUMN bio VARCHAR(100)",
        "ALTER TABLE users DROP COLUMN bio",
    )
    assert "Applied 1 migration." in cli("migrate").output
    assert "bio" in {c["name"] for c in sa.inspect(database.engine).get_columns("users")}


def test_drop_alembic_version_drops_only_that_table(database, cli, tmp_path: Path):
    blog_database(tmp_path / "blog", database.url)

    result = cli("migrate:adopt", "--drop-alembic-version", "--name", "initial_schema")

    assert result.exit_code == 0, result.output
    assert "Dropped alembic_version." in result.output
    assert database.table_names() == {"users", "posts", "migrations", "migrations_digest"}
    assert list(database.migration_rows()) == [f"{TODAY}_initial_schema"]


def test_a_difference_from_the_live_schema_is_listed_and_nothing_is_recorded(
    database, cli, migrations_dir: Path, monkeypatch
):
    models = sa.MetaData()
    sa.Table(
        "users",
        models,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(120)),
        sa.Column("name", sa.String(80)),
    )
    models.create_all(database.engine)
    with database.engine.begin() as conn:  # an index made by hand after create_all()
        conn.execute(text("CREATE INDEX ix_users_name ON users (name)"))
    from flask_herogold_migrate.core.adopt import baseline as baseline_module

    render = baseline_module.render_migration

    def lossy(*args, **kwargs):  # a baseline missing a column and the hand-made index
        lines = render(*args, **kwargs).splitlines()
        kept = [line for line in lines if '"email"' not in line]
        # An index operation may be alone in a batch block: leave a statement in its place.
        return "\n".join(
            line[: len(line) - len(line.lstrip())] + "pass" if "ix_users" in line else line
            for line in kept
        )

    monkeypatch.setattr(baseline_module, "render_migration", lossy)

    result = cli("migrate:adopt")

    assert result.exit_code == 1
    assert "column users.email: the baseline does not create it" in result.output
    assert "index ix_users_name: the baseline does not create it" in result.output
    assert "neither written nor recorded" in result.output
    assert list(migrations_dir.glob("*.py")) == []
    assert "migrations" not in database.table_names() or database.rows() == []


def test_several_alembic_heads_are_refused_and_nothing_changes(database, cli, migrations_dir):
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('aaa111'), ('bbb222')"))
        conn.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY)"))

    result = cli("migrate:adopt")

    assert result.exit_code == 1
    assert "several heads (aaa111, bbb222)" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert database.table_names() == {"alembic_version", "notes"}
    assert list(migrations_dir.glob("*.py")) == []


def test_an_empty_database_has_nothing_to_adopt(database, cli, migrations_dir: Path):
    result = cli("migrate:adopt")

    assert result.exit_code == 1
    assert "has no tables and no alembic_version: there is nothing to adopt" in result.output
    assert database.table_names() == set()
    assert list(migrations_dir.glob("*.py")) == []


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_a_database_already_tracked_or_a_written_directory_is_refused(
    database, cli, migrations_dir: Path, write_migration
):
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY)"))
    (migrations_dir / "env.py").write_text("# Flask-Migrate's\n")
    refused = cli("migrate:adopt")
    assert refused.exit_code == 1
    assert "is Flask-Migrate's directory" in refused.output
    (migrations_dir / "env.py").unlink()

    write_migration("20250101_create_tags", "CREATE TABLE tags (id INTEGER PRIMARY KEY)")
    refused = cli("migrate:adopt")
    assert refused.exit_code == 1
    assert "already holds migrations (20250101_create_tags.py" in refused.output
    assert "tags" not in database.table_names()


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_pretend_shows_the_baseline_and_changes_nothing(database, cli, migrations_dir: Path):
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"))
        conn.execute(text("CREATE VIEW long_notes AS SELECT * FROM notes"))

    result = cli("migrate:adopt", "--pretend")

    assert result.exit_code == 0, result.output
    assert 'op.create_table("notes",' in result.output
    assert "# TODO: The baseline cannot create the view long_notes" in result.output
    assert "Warning: the baseline cannot create the view long_notes" in result.output
    assert "Nothing was changed." in result.output
    assert list(migrations_dir.glob("*.py")) == []
    assert database.table_names() == {"notes"}


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_sqlite_constraints_written_inside_a_column_are_kept(database, cli, migrations_dir):
    # SQLAlchemy's reflection misses these; the baseline reads them from SQLite's pragmas.
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE)"))
        conn.execute(
            text(
                "CREATE TABLE posts (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                "user_id INTEGER REFERENCES users(id) ON DELETE CASCADE)"
            )
        )

    result = cli("migrate:adopt")

    assert result.exit_code == 0, result.output
    with throwaway_database(database.url) as empty:
        MigrationManager(migrations_dir, engine=empty.engine).run_migrations()
        with empty.engine.connect() as conn:
            keys = conn.execute(text("PRAGMA foreign_key_list(posts)")).mappings().all()
            assert keys[0]["on_delete"] == "CASCADE"
            indexes = conn.execute(text("PRAGMA index_list(users)")).mappings().all()
            assert [i["unique"] for i in indexes] == [1]
            made = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'posts'"))
            assert "AUTOINCREMENT" in made.scalar()
