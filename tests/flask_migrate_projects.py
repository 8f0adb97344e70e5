"""Real Flask-Migrate projects, made in a test's directory by Flask-Migrate itself.

Each project runs in a process of its own (Alembic's env.py configures logging for the whole
process): ``flask db init``, ``flask db migrate`` and ``flask db upgrade`` through
Flask-Migrate's Python API, the same functions its commands call.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

_DRIVER = textwrap.dedent(
    """
    import json, sys
    import sqlalchemy as sa
    from flask import Flask
    from flask_migrate import Migrate, downgrade, init, migrate, revision, upgrade
    from flask_sqlalchemy import SQLAlchemy

    url, plan = sys.argv[1], json.loads(sys.argv[2])
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    db = SQLAlchemy(app)
    Migrate(app, db, directory="fm_migrations")

    def models(version):
        db.metadata.clear()
        name = "full_name" if version >= 4 else "name"
        columns = [sa.Column("id", sa.Integer, primary_key=True),
                   sa.Column(name, sa.String(80), nullable=False)]
        if version >= 2:
            columns.append(sa.Column("email", sa.String(120)))
        users = sa.Table("users", db.metadata, *columns)
        if version >= 3:
            sa.Index("ix_users_email", users.c.email)
        if version == 0:  # the blog of the adopt tests
            db.metadata.clear()
            sa.Table("users", db.metadata,
                sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("email", sa.String(120), nullable=False, unique=True),
                sa.Column("name", sa.String(80)))
            posts = sa.Table("posts", db.metadata,
                sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"),
                          nullable=False),
                sa.Column("title", sa.String(200), nullable=False),
                sa.Column("status", sa.Enum("draft", "published", name="post_status"),
                          nullable=False, server_default="draft"),
                sa.Column("created_at", sa.DateTime, server_default=sa.func.now()))
            sa.Index("ix_posts_title", posts.c.title)

    HAND_WRITTEN = {
        4: ("rename name to full_name",
            "    with op.batch_alter_table('users') as batch_op:\\n"
            "        batch_op.alter_column('name', new_column_name='full_name',"
            " existing_type=sa.String(80), existing_nullable=False)\\n",
            "    with op.batch_alter_table('users') as batch_op:\\n"
            "        batch_op.alter_column('full_name', new_column_name='name',"
            " existing_type=sa.String(80), existing_nullable=False)\\n"),
        5: ("add the first user",
            "    op.execute(\\"INSERT INTO users (full_name, email) \\"\\n"
            "               \\"VALUES ('Ada', 'ada@example.com')\\")\\n",
            "    op.execute(\\"DELETE FROM users WHERE full_name = 'Ada'\\")\\n"),
    }
    MESSAGES = {0: "blog", 1: "create users", 2: "add email", 3: "index email"}

    def head():
        from alembic.script import ScriptDirectory
        scripts = ScriptDirectory("fm_migrations")
        return scripts.get_revision(scripts.get_current_head())

    revisions = []
    with app.app_context():
        for step in plan:
            if step[0] == "init":
                init(directory="fm_migrations")
            elif step[0] == "version":
                version = step[1]
                models(version)
                if version in HAND_WRITTEN:
                    message, up, down = HAND_WRITTEN[version]
                    revision(directory="fm_migrations", message=message)
                    path = head().path
                    text = open(path).read()
                    empty = "():\\n    pass\\n"
                    text = text.replace("def upgrade" + empty, "def upgrade():\\n" + up, 1)
                    text = text.replace("def downgrade" + empty, "def downgrade():\\n" + down, 1)
                    open(path, "w").write(text)
                else:
                    migrate(directory="fm_migrations", message=MESSAGES[version])
                revisions.append(head().revision)
                upgrade(directory="fm_migrations")
            elif step[0] == "upgrade":
                upgrade(directory="fm_migrations", revision=step[1])
    print(json.dumps(revisions))
    """
)


def run_flask_migrate(project: Path, url: str, plan: list[list[object]]) -> list[str]:
    """Run ``plan`` (``["init"]``, ``["version", N]``, ``["upgrade", REV]``) in ``project``
    against ``url``; the revisions made, in order."""
    project.mkdir(exist_ok=True)
    driver = project / "fm_driver.py"
    driver.write_text(_DRIVER)
    result = subprocess.run(
        [sys.executable, str(driver), url, json.dumps(plan)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def blog_database(project: Path, url: str) -> None:
    """The database of a Flask-Migrate blog: users, posts (a foreign key, an enum, an index,
    a server default), made with flask db init, migrate and upgrade."""
    run_flask_migrate(project, url, [["init"], ["version", 0]])


def five_revisions(project: Path, scratch_url: str) -> list[str]:
    """A history of five revisions (create, add a column, an index, a rename in batch mode,
    a data step), generated against ``scratch_url``; the revisions in order."""
    return run_flask_migrate(
        project, scratch_url, [["init"], *[["version", n] for n in range(1, 6)]]
    )
