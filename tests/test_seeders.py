"""Seeders: files in seeders/ that fill a migrated database, run by migrate:seed and --seed.

Each runs in its own transaction under the migration lock; a failing one keeps the rows of
those before it and loses its own; none runs while a migration is pending.
"""

from __future__ import annotations

import json
import textwrap
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from flask_herogold_migrate import MigrationManager, Seeder
from flask_herogold_migrate.core import MigrationsPending, SeederFailed, seed

PROTECTED = {"HEROGOLD_MIGRATE_PROTECTED": "1"}


@pytest.fixture
def seeders_dir(migrations_dir: Path) -> Path:
    path = migrations_dir.parent / "seeders"
    path.mkdir()
    return path


def write_seeder(directory: Path, stem: str, *rows: str, extra: str = "", head: str = "") -> Path:
    """A seeder inserting a label into ``authors`` for each of ``rows``."""
    inserts = "".join(
        f"        session.exec(text(\"INSERT INTO authors (label) VALUES ('{row}')\"))\n"
        for row in rows
    )
    path = directory / f"{stem}.py"
    path.write_text(
        "from sqlalchemy import text\n"
        "from flask_herogold_migrate import Seeder\n"
        f"{head}\n\n"
        f"class {stem.strip('_').title().replace('_', '')}Seeder(Seeder):\n"
        "    def run(self, session):\n"
        + inserts
        + textwrap.indent(extra, "        ")
        + "        pass\n"
    )
    return path


@pytest.fixture
def authors_table(database, write_migration):
    # AUTO_INCREMENT is MariaDB's; the others number an INTEGER PRIMARY KEY on their own.
    column = {
        "sqlite": "id INTEGER PRIMARY KEY",
        "postgresql": "id SERIAL PRIMARY KEY",
        "mariadb": "id INTEGER PRIMARY KEY AUTO_INCREMENT",
    }[database.dialect]
    write_migration(
        "20260101_authors",
        f"CREATE TABLE authors ({column}, label VARCHAR(50) UNIQUE)",
        "DROP TABLE authors",
    )


def labels(database) -> list[str]:
    with database.engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT label FROM authors ORDER BY label"))]


def test_fresh_seed_leaves_exactly_the_seeded_rows(cli, database, authors_table, seeders_dir):
    write_seeder(seeders_dir, "b_books", "Borges")
    write_seeder(seeders_dir, "a_authors", "Austen", "Calvino")
    assert cli("migrate").exit_code == 0
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO authors (label) VALUES ('by hand')"))

    result = cli("migrate:fresh", "--seed")

    assert result.exit_code == 0, result.output
    assert labels(database) == ["Austen", "Borges", "Calvino"]
    assert result.output.index("Seeded: a_authors") < result.output.index("Seeding: b_books")
    assert "Seeded 2 seeders (a_authors, b_books)." in result.output


def test_refresh_seed_leaves_exactly_the_seeded_rows(cli, database, authors_table, seeders_dir):
    write_seeder(seeders_dir, "authors", "Austen")
    assert cli("migrate").exit_code == 0
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO authors (label) VALUES ('by hand')"))

    result = cli("migrate:refresh", "--seed", "--json")

    assert result.exit_code == 0, result.output
    assert labels(database) == ["Austen"]
    assert json.loads(result.stdout)["seeded"] == ["authors"]


def test_a_failing_seeder_rolls_back_its_rows_only(cli, database, authors_table, seeders_dir):
    write_seeder(seeders_dir, "a_first", "Austen")
    failing = write_seeder(seeders_dir, "b_second", "Borges", extra="raise RuntimeError('no')\n")
    write_seeder(seeders_dir, "c_third", "Calvino")
    assert cli("migrate").exit_code == 0

    result = cli("migrate:seed")

    assert result.exit_code == 1
    assert f"Seeder b_second failed ({failing}, line 8): RuntimeError: no." in result.output
    assert "The seeders before it ran and kept their rows: a_first." in result.output
    assert "Traceback" not in result.output
    assert labels(database) == ["Austen"]


def test_a_database_error_in_a_seeder_rolls_back_its_rows(
    cli, database, authors_table, seeders_dir
):
    write_seeder(seeders_dir, "twice", "Austen", "Borges", "Austen")  # label is UNIQUE
    assert cli("migrate").exit_code == 0

    result = cli("migrate:seed")

    assert result.exit_code == 1
    assert "Seeder twice failed" in result.output
    assert "No seeder ran before it." in result.output
    assert labels(database) == []


def test_seeders_wait_for_pending_migrations(cli, database, authors_table, seeders_dir):
    write_seeder(seeders_dir, "authors", "Austen")

    result = cli("migrate:seed")

    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert "1 migration(s) not applied (20260101_authors)" in result.output
    assert "authors" not in database.table_names()

    # --pretend says the same, not "Would seed" (an audit found it promising a run that fails).
    rehearsed = cli("migrate:seed", "--pretend")
    assert rehearsed.exit_code == 1
    assert "1 migration(s) not applied (20260101_authors)" in rehearsed.output
    assert "Would seed" not in rehearsed.output


def test_named_seeders_run_alone_and_in_the_order_given(cli, database, authors_table, seeders_dir):
    write_seeder(seeders_dir, "a_first", "Austen")
    write_seeder(seeders_dir, "b_second", "Borges")
    assert cli("migrate").exit_code == 0

    result = cli("migrate:seed", "b_second")
    unknown = cli("migrate:seed", "nope")

    assert result.exit_code == 0, result.output
    assert labels(database) == ["Borges"]
    assert unknown.exit_code == 1
    assert "No seeder named nope" in unknown.output
    assert "(seeders: a_first, b_second)" in unknown.output


def test_call_runs_another_seeder_in_the_same_transaction(
    cli, database, authors_table, seeders_dir
):
    write_seeder(seeders_dir, "_people", "Calvino")
    write_seeder(
        seeders_dir,
        "database",
        "Austen",
        head="from ._people import PeopleSeeder",
        extra="self.call(PeopleSeeder)\n",
    )
    assert cli("migrate").exit_code == 0

    result = cli("migrate:seed")

    assert result.exit_code == 0, result.output
    assert labels(database) == ["Austen", "Calvino"]  # _people ran once, when called
    assert "Seeded 1 seeder (database)." in result.output


def test_make_seeder_writes_a_seeder_that_runs(cli, database, authors_table, seeders_dir):
    seeders_dir.rmdir()

    made = cli("migrate:make", "blog_posts", "--seeder")

    path = seeders_dir / "blog_posts.py"
    assert made.exit_code == 0, made.output
    assert f"Created seeder {path}" in made.output
    assert "class BlogPostsSeeder(Seeder):" in path.read_text()
    assert cli("migrate").exit_code == 0
    ran = cli("migrate:seed")
    assert ran.exit_code == 0, ran.output
    assert cli("migrate:make", "blog_posts", "--seeder").exit_code == 1
    refused = cli("migrate:make", "Blog-Posts", "--seeder")
    assert refused.exit_code == 1
    assert "cannot name a seeder" in refused.output


def test_seeding_a_protected_database_is_refused_without_a_terminal(
    cli, database, authors_table, seeders_dir
):
    write_seeder(seeders_dir, "authors", "Austen")
    assert cli("migrate").exit_code == 0

    refused = cli("migrate:seed", env=PROTECTED, input="y\n")
    fresh_refused = cli("migrate:fresh", "--seed", env=PROTECTED)

    assert refused.exit_code == 1
    assert "so migrate:seed asks before it writes the seeders' rows" in refused.output
    assert fresh_refused.exit_code == 1
    assert labels(database) == []
    assert cli("migrate:seed", "--force", env=PROTECTED).exit_code == 0
    assert labels(database) == ["Austen"]


def test_a_broken_seeder_stops_fresh_seed_before_anything_is_dropped(
    cli, database, authors_table, seeders_dir
):
    (seeders_dir / "broken.py").write_text("from flask_herogold_migrate import Seeder\n")
    assert cli("migrate").exit_code == 0
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO authors (label) VALUES ('kept')"))

    result = cli("migrate:fresh", "--seed")

    assert result.exit_code == 1
    assert "broken.py: a seeder file must define exactly one subclass of Seeder" in result.output
    assert labels(database) == ["kept"]


def test_pretend_lists_the_seeders(cli, database, authors_table, seeders_dir):
    write_seeder(seeders_dir, "a_first", "Austen")
    write_seeder(seeders_dir, "_helper", "Borges")
    assert cli("migrate").exit_code == 0

    shown = cli("migrate:seed", "--pretend")
    as_json = cli("migrate:seed", "--pretend", "--json")

    assert "Would seed: a_first." in shown.output
    assert json.loads(as_json.output) == {"seeders": ["a_first"]}
    assert labels(database) == []


def test_seeders_dir_setting_and_sqlmodel_objects(
    cli, database, authors_table, tmp_path, monkeypatch
):
    # The documented example: plain SQLModel objects, models imported from the app.
    package = f"seedapp_{uuid.uuid4().hex[:8]}"
    (tmp_path / package).mkdir()
    (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / package / "models.py").write_text(
        "from sqlmodel import Field, SQLModel\n\n\n"
        "class Author(SQLModel, table=True):\n"
        "    __tablename__ = 'authors'\n"
        # One SQLModel.metadata for the whole test session, and one model per database.
        "    __table_args__ = {'extend_existing': True}\n"
        "    id: int | None = Field(default=None, primary_key=True)\n"
        "    label: str\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    elsewhere = tmp_path / "db" / "fixtures"
    elsewhere.mkdir(parents=True)
    (elsewhere / "authors.py").write_text(
        f"from flask_herogold_migrate import Seeder\nfrom {package}.models import Author\n\n\n"
        "class AuthorsSeeder(Seeder):\n"
        "    def run(self, session):\n"
        "        session.add_all([Author(label='Austen'), Author(label='Borges')])\n"
    )
    env = {"HEROGOLD_MIGRATE_SEEDERS_DIR": str(elsewhere)}

    result = cli("migrate:fresh", "--seed", env=env)

    assert result.exit_code == 0, result.output
    assert labels(database) == ["Austen", "Borges"]


def test_the_core_function_reports_what_ran(database, migrations_dir, authors_table, seeders_dir):
    write_seeder(seeders_dir, "a_first", "Austen")
    write_seeder(seeders_dir, "b_second", extra="raise ValueError('bad')\n")
    manager = MigrationManager(migrations_dir, engine=database.engine)
    with pytest.raises(MigrationsPending):
        seed(manager)
    manager.run_migrations()

    with pytest.raises(SeederFailed) as failed:
        seed(manager)

    assert failed.value.ran == ("a_first",)
    assert failed.value.seeder == "b_second"
    assert [label for label in labels(database)] == ["Austen"]
    with pytest.raises(SeederFailed):  # label is UNIQUE: the second run fails, keeps none
        seed(manager, ["a_first"])
    assert Seeder.__module__ == "flask_herogold_migrate.core.seeding.seeder"


def test_the_pytest_plugin_seeds_a_throwaway_database_as_the_docs_show(pytester):
    # The sample of docs/seeding.rst, "Seeding test databases", as a project runs it.
    (pytester.path / "migrations").mkdir()
    (pytester.path / "migrations" / "20260101_roles.py").write_text(
        "from sqlalchemy import text\nfrom flask_herogold_migrate import Migration\n\n\n"
        "class Roles(Migration):\n"
        "    def up(self, session):\n"
        "        session.exec(text('CREATE TABLE roles (id INTEGER PRIMARY KEY, name TEXT)'))\n\n"
        "    def down(self, session):\n"
        "        session.exec(text('DROP TABLE roles'))\n"
    )
    (pytester.path / "seeders").mkdir()
    (pytester.path / "seeders" / "roles.py").write_text(
        "from sqlalchemy import text\nfrom flask_herogold_migrate import Seeder\n\n\n"
        "class RolesSeeder(Seeder):\n"
        "    def run(self, session):\n"
        "        session.exec(text(\"INSERT INTO roles (name) VALUES ('admin')\"))\n"
    )
    docs = (Path(__file__).parents[1] / "docs" / "seeding.rst").read_text()
    sample = docs.split("Seeding test databases")[1].split(".. code-block:: python")[1]
    pytester.makepyfile(textwrap.dedent(sample))

    result = pytester.runpytest()

    result.assert_outcomes(passed=1)
