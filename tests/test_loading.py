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
