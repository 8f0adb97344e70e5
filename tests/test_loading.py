"""Loading migration files: what the loader refuses before anything runs."""

from __future__ import annotations

import pytest

ASYNC_STEPS = {
    "async up": """
        from flask_herogold_migrate import Migration

        class Step(Migration):
            async def up(self, session):
                pass

            def down(self, session):
                pass
        """,
    "async down": """
        from flask_herogold_migrate import Migration

        class Step(Migration):
            def up(self, session):
                pass

            async def down(self, session):
                pass
        """,
    "decorated async up": """
        import functools
        from flask_herogold_migrate import Migration

        def logged(step):
            @functools.wraps(step)
            def wrapper(*args, **kwargs):
                return step(*args, **kwargs)
            return wrapper

        class Step(Migration):
            @logged
            async def up(self, session):
                pass

            def down(self, session):
                pass
        """,
    "async generator up": """
        from flask_herogold_migrate import Migration

        class Step(Migration):
            async def up(self, session):
                yield

            def down(self, session):
                pass
        """,
}


@pytest.mark.parametrize("kind", ASYNC_STEPS)
@pytest.mark.sqlite_only
def test_an_async_step_is_refused_before_anything_runs(
    cli, database, create_table_migration, write_migration, kind
):
    create_table_migration("20260301_first", "first")
    broken = write_migration("20260302_async", body=ASYNC_STEPS[kind])
    method = kind.split()[-1]

    result = cli("migrate")

    assert result.exit_code == 1
    assert result.output == (
        f"Error: {broken}: Step.{method}() is an async def, but a migration step must be a "
        "plain def (a sync function receiving the session): it is called, never awaited.\n"
    )
    assert database.migration_rows() == {}
    assert "first" not in database.table_names()


BAD_INITS = {
    "raises": (
        """
        from sqlalchemy import text
        from flask_herogold_migrate import Migration

        class Step(Migration):
            def __init__(self):
                raise RuntimeError("no settings")

            def up(self, session):
                pass

            def down(self, session):
                pass
        """,
        ", line 7: creating Step() failed: RuntimeError: no settings.",
    ),
    "needs an argument": (
        """
        from sqlalchemy import text
        from flask_herogold_migrate import Migration

        class Step(Migration):
            def __init__(self, settings):
                self.settings = settings

            def up(self, session):
                pass

            def down(self, session):
                pass
        """,
        ": creating Step() failed: TypeError: Step.__init__() missing 1 required positional "
        "argument: 'settings'.",
    ),
}


@pytest.mark.parametrize("kind", BAD_INITS)
@pytest.mark.sqlite_only
def test_a_class_that_cannot_be_created_is_refused_before_anything_runs(
    cli, database, create_table_migration, write_migration, kind
):
    body, error = BAD_INITS[kind]
    create_table_migration("20260301_first", "first")
    broken = write_migration("20260302_bad_init", body=body)

    result = cli("migrate")

    assert result.exit_code == 1
    assert result.output == f"Error: {broken}{error}\n"
    assert database.migration_rows() == {}
    assert "first" not in database.table_names()


@pytest.mark.parametrize("kind", BAD_INITS)
@pytest.mark.sqlite_only
def test_a_class_that_cannot_be_created_is_not_rolled_back(
    cli, database, create_table_migration, write_migration, kind
):
    body, error = BAD_INITS[kind]
    create_table_migration("20260301_first", "first")
    second = create_table_migration("20260302_second", "second")
    assert cli("migrate").exit_code == 0
    applied = database.migration_rows()
    # Its down() still drops its table, but its class can no longer be made.
    write_migration(
        "20260302_second", body=body.replace("pass", "session.exec(text('DROP TABLE second'))")
    )

    result = cli("migrate:rollback")

    assert result.exit_code == 1
    assert result.output == f"Error: {second}{error}\n"
    assert database.migration_rows() == applied
    assert {"first", "second"} <= database.table_names()


@pytest.mark.sqlite_only
def test_a_generator_step_is_refused_before_anything_runs(
    cli, database, create_table_migration, write_migration
):
    create_table_migration("20260301_first", "first")
    broken = write_migration(
        "20260302_generator",
        body="""
        from sqlalchemy import text
        from flask_herogold_migrate import Migration

        class Step(Migration):
            def up(self, session):
                yield session.exec(text("CREATE TABLE never (id INTEGER)"))

            def down(self, session):
                pass
        """,
    )

    result = cli("migrate")

    assert result.exit_code == 1
    assert f"Error: {broken}: Step.up() contains yield, so calling it runs nothing" in (
        result.output
    )
    assert database.migration_rows() == {}
    assert not {"first", "never"} & database.table_names()


def test_a_step_returning_a_coroutine_fails_instead_of_being_recorded(
    cli, database, create_table_migration, write_migration
):
    create_table_migration("20260301_first", "first")
    write_migration(
        "20260302_forgot_await",
        body="""
        from sqlalchemy import text
        from flask_herogold_migrate import Migration

        async def seed(session):
            session.exec(text("INSERT INTO first (id) VALUES (1)"))

        class Step(Migration):
            def up(self, session):
                session.exec(text("INSERT INTO first (id) VALUES (2)"))
                return seed(session)

            def down(self, session):
                pass
        """,
    )

    result = cli("migrate")

    assert result.exit_code == 1
    assert "Migration 20260302_forgot_await failed in up()" in result.output
    assert "returned an awaitable instead of doing its work" in result.output
    assert "RuntimeWarning" not in result.output
    assert set(database.migration_rows()) == {"20260301_first"}
    assert database.scalar("SELECT COUNT(*) FROM first") == 0
