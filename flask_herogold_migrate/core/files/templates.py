"""What a new migration file holds (``migrate:make``): a template chosen from its name.

As Laravel does, the name tells what the migration is about: ``create_posts_table`` creates
the table ``posts``, ``add_slug_to_posts_table`` (``..._to_``, ``_from_`` or ``_in_`` a table)
changes it; ``--create TABLE`` and ``--table TABLE`` say so outright, and ``--sql`` asks for
raw SQL instead of schema operations. Every template applies and rolls back as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ..errors import MigrationFileNotCreated

TemplateKind = Literal["create", "change", "blank", "sql"]


@dataclass(frozen=True)
class Template:
    """Which body a new migration gets, and the table it is about (create and change)."""

    kind: TemplateKind
    table: str | None = None


_CREATE_NAMES = (re.compile(r"create_(\w+)_table"), re.compile(r"create_(\w+)"))
_CHANGE_NAMES = (
    re.compile(r".+_(?:to|from|in)_(\w+)_table"),
    re.compile(r".+_(?:to|from|in)_(\w+)"),
)
_TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def choose_template(
    description: str, *, create: str | None = None, table: str | None = None, sql: bool = False
) -> Template:
    """The template for a migration named ``description``; the options win over the name."""
    options = {"--create": create, "--table": table, "--sql": sql}
    chosen = [flag for flag, value in options.items() if value not in (None, False)]
    if len(chosen) > 1:
        raise MigrationFileNotCreated(
            f"Cannot create the migration: {' and '.join(chosen)} exclude each other; "
            "give one of them."
        )
    if sql:
        return Template("sql")
    named: tuple[tuple[TemplateKind, str | None], ...] = (("create", create), ("change", table))
    for kind, option in named:
        if option is not None:
            if not _TABLE_NAME.fullmatch(option):
                raise MigrationFileNotCreated(
                    f"Cannot create the migration: invalid table name {option!r}: use letters, "
                    "digits and underscores, not starting with a digit."
                )
            return Template(kind, option)
    inferred: tuple[tuple[TemplateKind, tuple[re.Pattern[str], ...]], ...] = (
        ("create", _CREATE_NAMES),
        ("change", _CHANGE_NAMES),
    )
    for kind, patterns in inferred:
        for pattern in patterns:
            if match := pattern.fullmatch(description):
                return Template(kind, match[1])
    return Template("blank")


def render(template: Template, *, title: str, stem: str, created: str, cls: str) -> str:
    """The source of the new file."""
    head = f'"""{title}\n\nMigration {stem}, created {created} UTC.\n"""\n\n'
    body = _BODIES[template.kind].format(cls=cls, table=template.table)
    return head + body


_CREATE = """import sqlalchemy as sa
from sqlmodel import Session

from flask_herogold_migrate import Migration, schema


class {cls}(Migration):
    def up(self, session: Session) -> None:
        schema(session).create_table(
            "{table}",
            sa.Column("id", sa.Integer, primary_key=True),
            # sa.Column("title", sa.String(200), nullable=False),
        )

    def down(self, session: Session) -> None:
        schema(session).drop_table("{table}")
"""

_CHANGE = """import sqlalchemy as sa  # noqa: F401  (for the columns you write below)
from sqlmodel import Session

from flask_herogold_migrate import Migration, schema


class {cls}(Migration):
    # Batch mode rebuilds the table on SQLite, whose ALTER TABLE cannot change
    # a column or a constraint; elsewhere each operation is one ALTER TABLE.

    def up(self, session: Session) -> None:
        with schema(session).batch_alter_table("{table}") as batch:  # noqa: F841
            # A new column of a table with rows is nullable or has a server_default.
            # batch.add_column(sa.Column("slug", sa.String(200), nullable=True))
            pass

    def down(self, session: Session) -> None:
        with schema(session).batch_alter_table("{table}") as batch:  # noqa: F841
            # batch.drop_column("slug")
            pass
"""

_BLANK = '''import sqlalchemy as sa  # noqa: F401  (for the operations you write below)
from sqlalchemy import text  # noqa: F401
from sqlmodel import Session

from flask_herogold_migrate import Migration, schema  # noqa: F401


class {cls}(Migration):
    def up(self, session: Session) -> None:
        """Apply the change, for example:

        op = schema(session)
        op.add_column("users", sa.Column("nickname", sa.String(50), nullable=True))
        session.exec(text("UPDATE users SET nickname = name"))
        """

    def down(self, session: Session) -> None:
        """Undo exactly what up() did, for example:

        schema(session).drop_column("users", "nickname")
        """
'''

_SQL = '''from sqlalchemy import text  # noqa: F401  (for the statements you write below)
from sqlmodel import Session

from flask_herogold_migrate import Migration


class {cls}(Migration):
    def up(self, session: Session) -> None:
        """Apply the change, for example:

        session.exec(text("CREATE TABLE ..."))
        """

    def down(self, session: Session) -> None:
        """Undo exactly what up() did."""
'''

_BODIES: dict[TemplateKind, str] = {
    "create": _CREATE,
    "change": _CHANGE,
    "blank": _BLANK,
    "sql": _SQL,
}
