"""Names of what ``migrate:make --autogenerate`` creates: every constraint and index it writes
has one, so the file applies and rolls back on every database, even for models whose
metadata has no naming convention (a plain ``SQLAlchemy()``)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.test_autogenerate import Project


@pytest.fixture
def project(app, database, migrations_dir) -> Project:
    return Project(app, database, migrations_dir)


def users(md: sa.MetaData, *, unique: bool = False) -> None:
    sa.Table(
        "users",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(100), nullable=False, unique=unique),
    )


def teams(md: sa.MetaData) -> None:
    sa.Table("teams", md, sa.Column("id", sa.Integer, primary_key=True))


def posts(md: sa.MetaData, *, owner: str = "users") -> None:
    sa.Table(
        "posts",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("owner_id", sa.Integer, sa.ForeignKey(f"{owner}.id"), nullable=False),
    )


def models(*tables, convention: dict[str, str] | None = None) -> sa.MetaData:
    md = sa.MetaData(naming_convention=convention) if convention else sa.MetaData()
    for table in tables:
        table(md)
    return md


def test_an_unnamed_unique_constraint_is_named_and_the_file_applies_and_rolls_back(
    project, database
):
    project.step("create_users", models(users), expect=["+ table users"])

    path = project.step("unique_email", models(lambda md: users(md, unique=True)), expect=[])

    source = path.read_text()
    assert "(None" not in source, source
    assert '"uq_users_email"' in source, source


def test_a_changed_unnamed_foreign_key_applies_and_rolls_back(project, database):
    project.step("create_tables", models(users, teams, posts), expect=["+ table posts"])

    path = project.step(
        "owned_by_teams", models(users, teams, lambda md: posts(md, owner="teams")), expect=[]
    )

    assert '"fk_posts_owner_id_teams"' in path.read_text()


def test_the_metadata_naming_convention_names_what_it_covers(project, database):
    convention = {"uq": "uniq_%(table_name)s_%(column_0_name)s"}
    project.step("create_users", models(users, convention=convention), expect=["+ table users"])

    path = project.step(
        "unique_email", models(lambda md: users(md, unique=True), convention=convention), expect=[]
    )

    assert '"uniq_users_email"' in path.read_text()
