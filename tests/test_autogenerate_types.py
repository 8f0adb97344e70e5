"""Changed column types in ``migrate:make --autogenerate``: what they do to the values.

Every narrowing (a shorter string, a smaller integer, less scale, text to a varchar, an enum
losing a value, NOT NULL) and every change between kinds of type (number, string, date/time,
UUID, JSON, boolean) gets a ``# TODO`` in the file saying what happens to the values on this
database, and a warning naming the column. The files apply and roll back as generated.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import text

from tests.test_autogenerate import Project


@pytest.fixture
def project(app, database, migrations_dir) -> Project:
    return Project(app, database, migrations_dir)


def items(md: sa.MetaData, *, narrow: bool = False) -> None:
    sa.Table(
        "items",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(10 if narrow else 40)),
        sa.Column("big", sa.Integer if narrow else sa.BigInteger),
        sa.Column("price", sa.Numeric(10, 2 if narrow else 4)),
        sa.Column("note", sa.String(50) if narrow else sa.Text),
        sa.Column("code", sa.String(8), nullable=not narrow),
    )


def models(*tables) -> sa.MetaData:
    md = sa.MetaData()
    for table in tables:
        table(md)
    return md


def _todos(source: str) -> str:
    """The file's comments joined into one line each, as wrapped lines are read."""
    lines = [line.strip() for line in source.splitlines()]
    joined: list[str] = []
    for line in lines:
        if line.startswith("# TODO: "):
            joined.append(line[2:])
        elif line.startswith("#     ") or (line.startswith("# ") and joined and lines):
            joined[-1] += " " + line[2:].strip()
    return "\n".join(joined)


NARROWINGS = [
    ("items.name", "values longer than 10 characters"),
    ("items.big", "numbers outside INTEGER's range"),
    ("items.price", "digits beyond 2 decimal places"),
    ("items.note", "values longer than 50 characters"),
]


def test_each_narrowing_is_a_todo_and_a_warning_and_the_file_runs(project, database):
    project.step("create_items", models(items), expect=["+ table items"])
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO items VALUES (1, 'short', 7, 1.5, 'a note', 'A1')"))
    project.use(models(lambda md: items(md, narrow=True)))
    result = project.run("migrate:make", "narrow_items", "--autogenerate")
    assert result.exit_code == 0, result.output
    (path,) = project.migrations_dir.glob("*_narrow_items.py")
    source = _todos(path.read_text())
    path.unlink()

    for column, lost in NARROWINGS:
        line = f"{column} narrows from "
        assert f"TODO: {line}" in source, source
        warning = next(w for w in result.output.splitlines() if w.startswith(f"Warning: {line}"))
        assert f"{lost} could be lost" in warning, warning
    assert "TODO: items.code becomes NOT NULL: a row holding NULL there makes up() fail" in source
    # The rows fit: the file applies and rolls back as written.
    project.step("narrow_items", models(lambda md: items(md, narrow=True)), expect=[])
    assert database.rows("items")[0]["name"] == "short"


def test_what_each_database_does_with_a_narrowing_is_said(project, database):
    project.step("create_items", models(items), expect=["+ table items"])
    project.use(models(lambda md: items(md, narrow=True)))

    result = project.run("migrate:make", "narrow_items", "--autogenerate")

    said = {
        "postgresql": "PostgreSQL refuses a value that does not fit",
        "mariadb": "MariaDB and MySQL refuse a value that does not fit in the run's strict",
        "sqlite": "SQLite enforces no length or size, so it keeps each value as it is",
    }[database.dialect]
    name = next(w for w in result.output.splitlines() if "items.name narrows" in w)
    assert said in name


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_an_enum_losing_a_value_is_a_todo_and_the_step_keeps_the_rows(project, database):
    def paints(md: sa.MetaData, *values: str) -> None:
        sa.Table(
            "paints",
            md,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("colour", sa.Enum(*values, name="colour")),
        )

    project.step("create_paints", models(lambda md: paints(md, "red", "blue")), expect=[])
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO paints VALUES (1, 'blue')"))
    project.use(models(lambda md: paints(md, "red")))

    result = project.run("migrate:make", "drop_blue", "--autogenerate")
    applied = project.run("migrate")

    assert (
        "Warning: paints.colour narrows from ENUM('red','blue') to ENUM('red'): the values "
        "'blue' could be lost."
    ) in result.output
    assert applied.exit_code == 1
    assert database.rows("paints") == [{"id": 1, "colour": "blue"}]


def events(md: sa.MetaData, *, number: bool = False, at: type = sa.DateTime) -> None:
    sa.Table(
        "events",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String(20) if number else sa.Integer),
        sa.Column("at", at),
    )


def test_a_change_between_kinds_is_a_todo_with_the_cast_and_rolls_back(project, database):
    project.step("create_events", models(events), expect=["+ table events"])
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO events (id, ref) VALUES (1, 42)"))

    path = project.step("ref_as_text", models(lambda md: events(md, number=True)), expect=[])

    source = _todos(path.read_text())
    assert "TODO: events.ref changes from INTEGER" in source
    assert "(a number) to VARCHAR(20) (a string): " in source
    said = {
        "postgresql": 'up() casts each with postgresql_using="ref::VARCHAR(20)", and down() '
        'casts back with postgresql_using="ref::INTEGER"',
        "mariadb": "MariaDB and MySQL convert each value as CAST does",
        "sqlite": "SQLite's batch rebuild copies each value with CAST(ref AS VARCHAR(20))",
    }[database.dialect]
    assert said in source, source
    assert [row["ref"] for row in database.rows("events")] == ["42"]


def test_a_date_to_a_number_says_what_becomes_of_the_dates(project, database):
    project.step("create_events", models(events), expect=["+ table events"])
    project.use(models(lambda md: events(md, at=sa.BigInteger)))

    result = project.run("migrate:make", "at_as_number", "--autogenerate")

    (warning,) = [w for w in result.output.splitlines() if "events.at changes from" in w]
    said = {
        "postgresql": "PostgreSQL converts none of these values by itself",
        "mariadb": "a DATETIME becomes a number such as 20240102030405",
        "sqlite": "(a date held as text becomes its year)",
    }[database.dialect]
    assert "(a date/time) to BIGINT (a number)" in warning
    assert said in warning


@pytest.mark.parametrize("database", ["postgresql", "sqlite"], indirect=True)
def test_a_varchar_without_length_getting_one_is_a_difference(project, database):
    def tags(md: sa.MetaData, length: int | None) -> None:
        sa.Table(
            "tags",
            md,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("label", sa.String(length)),
        )

    project.step("create_tags", models(lambda md: tags(md, None)), expect=["+ table tags"])

    path = project.step(
        "limit_label",
        models(lambda md: tags(md, 255)),
        expect=["~ column tags.label: VARCHAR -> VARCHAR(255)"],
    )

    assert "TODO: tags.label narrows from VARCHAR to VARCHAR(255)" in _todos(path.read_text())


def test_a_not_null_column_added_says_what_each_database_does_with_the_rows(project, database):
    project.step("create_items", models(items), expect=["+ table items"])
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO items (id, name) VALUES (1, 'kept')"))
    md = models(items)
    md.tables["items"].append_column(sa.Column("sku", sa.String(20), nullable=False))
    project.use(md)

    made = project.run("migrate:make", "add_sku", "--autogenerate")
    applied = project.run("migrate")

    assert (
        "Warning: items.sku is added NOT NULL without a server default: on a items table with "
        "rows, up() fails on PostgreSQL and SQLite, while MariaDB and MySQL fill every row with "
        "the type's empty value ('', 0 or a zero date) and succeed."
    ) in made.output
    if database.dialect == "mariadb":
        assert applied.exit_code == 0, applied.output
        assert database.rows("items")[0]["sku"] == ""
    else:
        assert applied.exit_code == 1, applied.output
        assert "sku" not in {c["name"] for c in sa.inspect(database.engine).get_columns("items")}
