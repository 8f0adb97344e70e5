"""``migrate:make NAME --autogenerate``: a migration written from the models.

A test app's models go through a series of edits; after each, on every database, the file
written applies unedited, ``migrate:check`` passes, rolling back gives back the schema it
started from (by reflection), and the next edit makes ``migrate:check`` fail with its line.
Each test builds its models in a ``MetaData`` of its own, named by HEROGOLD_MIGRATE_METADATA,
so nothing leaks between tests through SQLModel's global metadata.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy import text

from flask_herogold_migrate.__main__ import main as standalone_main
from tests.helpers import reflected

Models = Callable[[sa.MetaData], None]


def users(md: sa.MetaData, *, email: int = 100, age: bool = False, unique: bool = False) -> None:
    sa.Table(
        "users",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(email), nullable=False),
        sa.Column("nickname", sa.String(20)),
        *([sa.Column("age", sa.Integer)] if age else []),
        *([sa.UniqueConstraint("email", name="uq_users_email")] if unique else []),
    )


def posts(
    md: sa.MetaData,
    *,
    title: str = "title",
    index: bool = False,
    status: tuple[str, ...] = (),
) -> None:
    sa.Table(
        "posts",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column(title, sa.String(100), nullable=False),
        *([sa.Column("status", sa.Enum(*status, name="post_status"))] if status else []),
        *([sa.Index("ix_posts_title", title)] if index else []),
    )


def models(*tables: Callable[[sa.MetaData], None]) -> sa.MetaData:
    md = sa.MetaData()
    for table in tables:
        table(md)
    return md


class Project:
    """The test app with swappable models, and its commands."""

    def __init__(self, app, database, migrations_dir: Path) -> None:
        self.app = app
        self.database = database
        self.migrations_dir = migrations_dir
        self.runner = app.test_cli_runner()

    def use(self, metadata: sa.MetaData) -> None:
        self.app.config["HEROGOLD_MIGRATE_METADATA"] = metadata

    def run(self, *args: str, input: str | None = None):
        return self.runner.invoke(args=list(args), input=input)

    def make(self, name: str, *extra: str, input: str | None = None) -> Path:
        before = set(self.migrations_dir.glob("*.py"))
        result = self.run("migrate:make", name, "--autogenerate", *extra, input=input)
        assert result.exit_code == 0, result.output
        (path,) = set(self.migrations_dir.glob("*.py")) - before
        assert f"Created migration {path}" in result.output
        return path

    def check(self):
        return self.run("migrate:check")

    def step(
        self, name: str, metadata: sa.MetaData, *, expect: list[str], input: str | None = None
    ) -> Path:
        """Edit the models; check fails with ``expect``; generate, apply, check, roll back."""
        self.use(metadata)
        failing = self.check()
        assert failing.exit_code == 1, failing.output
        for line in expect:
            assert line in failing.output.splitlines(), failing.output
        before = reflected(self.database.engine)
        path = self.make(name, input=input)
        applied = self.run("migrate")
        assert applied.exit_code == 0, applied.output + path.read_text()
        passing = self.check()
        assert passing.exit_code == 0, passing.output + path.read_text()
        rolled_back = self.run("migrate:rollback")
        assert rolled_back.exit_code == 0, rolled_back.output + path.read_text()
        assert reflected(self.database.engine) == before, path.read_text()
        assert self.run("migrate").exit_code == 0
        return path


@contextmanager
def terminal(monkeypatch) -> Iterator[None]:
    """Standard input taken for a terminal, as when a person runs the command."""
    with monkeypatch.context() as patch:
        patch.setattr("flask_herogold_migrate.cli.autogenerate.stdin_is_a_terminal", lambda: True)
        yield


@pytest.fixture
def project(app, database, migrations_dir) -> Project:
    return Project(app, database, migrations_dir)


def test_a_series_of_model_edits_each_applies_checks_and_rolls_back(project, database, monkeypatch):
    enum_line = {
        "postgresql": "~ enum post_status: draft, published -> draft, published, archived_for_good",
        "mariadb": "~ column posts.status: ENUM('draft','published') -> "
        "ENUM('draft','published','archived_for_good')",
        "sqlite": "~ column posts.status: VARCHAR(9) -> VARCHAR(17)",
    }[database.dialect]

    project.step("create_users", models(users), expect=["+ table users"])
    project.step("create_posts", models(users, posts), expect=["+ table posts"])
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO users (id, email) VALUES (1, 'ada@example.org')"))
        conn.execute(text("INSERT INTO posts (id, user_id, title) VALUES (1, 1, 'Hello')"))
    project.step(
        "add_age",
        models(lambda md: users(md, age=True), posts),
        expect=["+ column users.age: INTEGER"],
    )
    project.step(
        "widen_email",
        models(lambda md: users(md, email=255, age=True), posts),
        expect=["~ column users.email: VARCHAR(100) -> VARCHAR(255)"],
    )
    project.step(
        "index_and_unique",
        models(
            lambda md: users(md, email=255, age=True, unique=True),
            lambda md: posts(md, index=True),
        ),
        expect=["+ index ix_posts_title", "+ unique uq_users_email"],
    )
    with terminal(monkeypatch):
        path = project.step(
            "rename_title",
            models(
                lambda md: users(md, email=255, age=True, unique=True),
                lambda md: posts(md, title="headline", index=True),
            ),
            expect=["- column posts.title", "+ column posts.headline: VARCHAR(100)"],
            input="y\n",
        )
    assert "new_column_name=" in path.read_text()
    assert [row["headline"] for row in database.rows("posts")] == ["Hello"]
    project.step(
        "add_status",
        models(
            lambda md: users(md, email=255, age=True, unique=True),
            lambda md: posts(md, title="headline", index=True, status=("draft", "published")),
        ),
        expect=["+ column posts.status" + _status_type(database.dialect)],
    )
    project.step(
        "add_status_value",
        models(
            lambda md: users(md, email=255, age=True, unique=True),
            lambda md: posts(
                md, title="headline", index=True, status=("draft", "published", "archived_for_good")
            ),
        ),
        expect=[enum_line],
    )
    project.use(
        models(
            lambda md: users(md, email=255, age=True, unique=True),
            lambda md: posts(
                md, title="headline", index=True, status=("draft", "published", "archived_for_good")
            ),
            lambda md: sa.Table("tags", md, sa.Column("id", sa.Integer, primary_key=True)),
        )
    )
    last = project.check()
    assert last.exit_code == 1
    assert "+ table tags" in last.output.splitlines()
    assert [row["headline"] for row in database.rows("posts")] == ["Hello"]


def _status_type(dialect: str) -> str:
    return {
        "postgresql": ": post_status",
        "mariadb": ": ENUM('draft','published')",
        "sqlite": ": VARCHAR(9)",
    }[dialect]


def test_generated_file_uses_schema_operations_and_is_a_migration(project, database):
    project.use(models(users, posts))

    path = project.make("create_tables")

    source = path.read_text()
    tree = ast.parse(source)
    (cls,) = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    assert cls.name == "CreateTables"
    assert "op = schema(session)" in source
    assert "from flask_herogold_migrate import Migration, schema" in source
    assert 'op.create_table("users",' in source
    assert 'op.drop_table("posts")' in source


def test_nothing_to_change_says_so_and_writes_no_file(project, migrations_dir):
    project.use(models(users))
    project.make("create_users")
    assert project.run("migrate").exit_code == 0

    result = project.run("migrate:make", "again", "--autogenerate")

    assert result.exit_code == 0, result.output
    assert result.output == "No changes: the models match the database.\n"
    assert len(list(migrations_dir.glob("*.py"))) == 1


def test_pending_and_failed_migrations_are_listed_and_nothing_is_written(
    project, migrations_dir, write_migration
):
    write_migration("20260301_first", "CREATE TABLE first_table (id INTEGER PRIMARY KEY)")
    write_migration("20260302_second", "CREATE TABLE second_table (id INTEGER PRIMARY KEY)")
    project.use(models(users))

    result = project.run("migrate:make", "create_users", "--autogenerate")

    assert result.exit_code == 1
    assert result.output == (
        "Error: Cannot autogenerate a migration: the database is not fully migrated (pending: "
        "20260301_first, 20260302_second). The models are compared with the migrated schema: "
        "run migrate first.\n"
    )
    assert len(list(migrations_dir.glob("*.py"))) == 2


def test_a_failed_migration_is_listed_with_how_to_repair_it(project, write_migration):
    write_migration(
        "20260301_broken",
        ["CREATE TABLE half_done (id INTEGER)", "SELECT * FROM no_such_table"],
        transactional=False,
    )
    assert project.run("migrate").exit_code == 1
    project.use(models(users))

    result = project.run("migrate:make", "create_users", "--autogenerate")

    assert result.exit_code == 1
    assert "(failed: 20260301_broken)" in result.output
    assert "repair them (migrate:repair), then migrate first" in result.output


def test_a_table_no_model_describes_survives_and_is_listed(project, database):
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE legacy_orders (id INTEGER PRIMARY KEY, total INTEGER)"))
        conn.execute(text("INSERT INTO legacy_orders (id, total) VALUES (1, 42)"))
    project.use(models(users))

    path = project.make("create_users")
    applied = project.run("migrate")

    assert applied.exit_code == 0, applied.output
    source = path.read_text()
    assert "# Tables of the database that no model describes, never dropped" in source
    assert "#     legacy_orders\n" in source
    assert '        # op.drop_table("legacy_orders")  # no model describes it' in source
    assert database.rows("legacy_orders") == [{"id": 1, "total": 42}]
    assert project.check().exit_code == 0


def test_every_type_rendered_is_imported_and_the_file_runs(project, database):
    from sqlmodel.sql.sqltypes import AutoString

    from tests.helpers import Slug

    md = sa.MetaData()
    sa.Table(
        "pages",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", AutoString(80), nullable=False),
        sa.Column("slug", Slug(60)),
        sa.Column("kind", sa.Enum("page", "post", name="page_kind")),
    )
    project.use(md)

    path = project.make("create_pages")
    applied = project.run("migrate")

    source = path.read_text()
    assert "import sqlmodel.sql.sqltypes\n" in source
    assert "import tests.helpers\n" in source
    assert "sqlmodel.sql.sqltypes.AutoString(length=80)" in source
    assert "tests.helpers.Slug(length=60)" in source
    assert applied.exit_code == 0, applied.output + source
    assert project.check().exit_code == 0
    assert project.run("migrate:rollback").exit_code == 0
    assert "pages" not in database.table_names()


def test_sqlite_alterations_are_in_batch_mode(project, database):
    project.use(models(users))
    project.make("create_users")
    assert project.run("migrate").exit_code == 0
    project.use(models(lambda md: users(md, email=255)))

    source = project.make("widen_email").read_text()

    if database.dialect == "sqlite":
        assert 'with op.batch_alter_table("users") as batch_op:' in source
        assert 'batch_op.alter_column("email",' in source
    else:
        assert 'op.alter_column("users", "email",' in source
        assert "batch_alter_table" not in source


def test_what_cannot_be_generated_is_a_todo_and_a_warning(project, database):
    project.use(models(users))
    project.make("create_users")
    assert project.run("migrate").exit_code == 0
    md = sa.MetaData()
    sa.Table(
        "users",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(100), nullable=False),
        sa.Column("nickname", sa.String(20)),
        sa.Column("handle", sa.String(30), nullable=False),
    )
    project.use(md)

    result = project.run("migrate:make", "add_handle", "--autogenerate")

    assert result.exit_code == 0, result.output
    warning = (
        "Warning: users.handle is added NOT NULL without a server default: on a users table "
        "with rows, up() fails on PostgreSQL and SQLite, while MariaDB and MySQL fill every row "
        "with the type's empty value ('', 0 or a zero date) and succeed."
    )
    assert warning in result.output
    (path,) = project.migrations_dir.glob("*_add_handle.py")
    assert "# TODO: users.handle is added NOT NULL without a server default" in path.read_text()


@pytest.mark.sqlite_only
def test_no_model_tables_warns_once_and_writes_nothing(project, migrations_dir):
    project.use(sa.MetaData())

    result = project.run("migrate:make", "initial", "--autogenerate")

    assert result.exit_code == 0
    assert result.output.count("Warning: no model tables found") == 1
    assert "Does create_app() import the models?" in result.output
    assert list(migrations_dir.glob("*.py")) == []


@pytest.mark.sqlite_only
def test_autogenerate_excludes_the_template_options(project):
    project.use(models(users))

    result = project.run("migrate:make", "initial", "--autogenerate", "--create", "users")

    assert result.exit_code == 2
    assert "--autogenerate writes the body" in result.output


@pytest.mark.sqlite_only
def test_the_standalone_command_autogenerates_from_metadata_given(
    database, migrations_dir, tmp_path, monkeypatch
):
    (tmp_path / "standalone_models.py").write_text(
        "import sqlalchemy as sa\n"
        "metadata = sa.MetaData()\n"
        "sa.Table('notes', metadata, sa.Column('id', sa.Integer, primary_key=True))\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    common = ["--dir", str(migrations_dir), "--database-url", database.url]

    made = CliRunner().invoke(
        standalone_main,
        ["migrate:make", "create_notes", "--autogenerate", "--metadata",
         "standalone_models:metadata", *common],
    )  # fmt: skip
    applied = CliRunner().invoke(standalone_main, ["migrate", *common])

    assert made.exit_code == 0, made.output
    assert "+ table notes" in made.output.splitlines()
    assert applied.exit_code == 0, applied.output
    assert "notes" in database.table_names()


def test_server_defaults_are_compared_and_round_trip(project):
    def events(md: sa.MetaData, *, state: str = "draft") -> None:
        sa.Table(
            "events",
            md,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("state", sa.String(20), nullable=False, server_default=state),
            sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
            sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
            sa.Column("created_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        )

    project.use(models(events))
    project.make("create_events")
    assert project.run("migrate").exit_code == 0
    assert project.check().exit_code == 0, project.check().output

    project.step(
        "change_default",
        models(lambda md: events(md, state="new")),
        expect=["~ column events.state: default 'draft' -> 'new'"],
    )


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_an_index_a_mariadb_foreign_key_takes_over_rolls_back(project, database):
    project.step("create_tables", models(users, posts), expect=["+ table posts"])
    md = models(users, posts)
    sa.Index("ix_posts_user_id_title", md.tables["posts"].c.user_id, md.tables["posts"].c.title)

    # Applies, rolls back (the key dropped, the index, the key created again) and applies again.
    path = project.step("index_posts", md, expect=["+ index ix_posts_user_id_title"])

    down = path.read_text().split("def down")[1]
    assert (
        down.index("drop_constraint(")
        < down.index("drop_index(")
        < down.index("create_foreign_key(")
    )
    assert "down() cannot drop it" not in path.read_text()


def test_db_metadata_and_sqlmodel_metadata_are_both_found(project, database):
    """SQLModel's table=True models register on SQLModel.metadata, not on db.metadata."""
    import types

    from sqlmodel import Field, SQLModel

    db = project.app.extensions["sqlalchemy"]
    db.Table("flask_things", sa.Column("id", sa.Integer, primary_key=True))
    name = f"gadgets_{database.dialect}"  # SQLModel's registry is global: one class per run
    gadget = types.new_class(
        name.title().replace("_", ""),
        (SQLModel,),
        {"table": True},
        lambda ns: ns.update(
            __tablename__=name,
            __annotations__={"id": int | None, "label": str},
            id=Field(default=None, primary_key=True),
            label=Field(max_length=40),
        ),
    )
    try:
        path = project.make("create_both")
        applied = project.run("migrate")
    finally:
        SQLModel.metadata.remove(gadget.__table__)

    source = path.read_text()
    assert applied.exit_code == 0, applied.output + source
    assert {"flask_things", name} <= database.table_names()
    assert "import sqlmodel.sql.sqltypes\n" in source  # str is SQLModel's AutoString
