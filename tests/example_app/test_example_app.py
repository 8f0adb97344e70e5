"""The example app, as a newcomer meets it: migrate, then use the routes, on SQLite, PostgreSQL
and MariaDB. (Its migrations are tested with the pytest plugin in test_migrations.py.)"""

from __future__ import annotations

import json

from click.testing import Result
from flask import Flask
from sqlalchemy import inspect
from sqlmodel import SQLModel

MIGRATIONS = [
    "20250301_create_users_table",
    "20250315_add_roles",
    "20250315_02_add_users_created_at_index",
]


def flask(app: Flask, *args: str) -> Result:
    """Run a ``flask`` command of the app; fail the test with its output if it fails."""
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result


def test_routes_work_after_migrating(app, client, database):
    assert flask(app, "migrate").output.splitlines()[-1] == "Applied 3 migrations."

    assert client.get("/roles").json == {"roles": ["admin", "user", "guest"]}
    assert client.get("/users").json == {"users": []}

    ada = client.post("/users", json={"name": "Ada", "email": "Ada@Example.com"})
    grace = client.post("/users", json={"name": "Grace", "email": "g@x.io", "role": "admin"})
    assert ada.status_code == 201, ada.json
    assert grace.status_code == 201, grace.json
    assert ada.json["email"] == "ada@example.com"
    assert (ada.json["role"], grace.json["role"]) == ("user", "admin")

    listed = client.get("/users").json["users"]
    assert [(u["name"], u["email"], u["role"]) for u in listed] == [
        ("Ada", "ada@example.com", "user"),
        ("Grace", "g@x.io", "admin"),
    ]
    assert listed[0] == ada.json
    assert {row["email"] for row in database.rows("users")} == {"ada@example.com", "g@x.io"}


def test_create_user_refuses_bad_input_and_duplicate_email(app, client, database):
    flask(app, "migrate")
    assert client.post("/users", json={"name": "Ada", "email": "ada@x.io"}).status_code == 201

    duplicate = client.post("/users", json={"name": "Other Ada", "email": "ada@x.io"})
    no_email = client.post("/users", json={"name": "Bob"})
    unknown_role = client.post("/users", json={"name": "Bob", "email": "b@x.io", "role": "root"})
    not_json = client.post("/users", data="name=Bob")

    assert (duplicate.status_code, duplicate.json) == (
        409,
        {"error": "A user with email ada@x.io exists already."},
    )
    assert no_email.status_code == 400
    assert unknown_role.json == {"error": "Unknown role 'root'."}
    assert not_json.status_code == 400
    assert [row["name"] for row in database.rows("users")] == ["Ada"]


def test_status_shows_the_three_migrations_applied_and_the_models_match(app, database):
    flask(app, "migrate")

    status = json.loads(flask(app, "migrate:status", "--json").output)["migrations"]

    assert [(m["name"], m["state"], m["batch"]) for m in status] == [
        (name, "applied", 1) for name in MIGRATIONS
    ]
    inspector = inspect(database.engine)
    for table in SQLModel.metadata.sorted_tables:
        reflected = {c["name"] for c in inspector.get_columns(table.name)}
        assert reflected == set(table.columns.keys()), table.name
