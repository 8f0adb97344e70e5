"""A migrated bind that is another's database is refused: one tracking table and one lock
would serve two directories, and migrate:fresh of one would drop the other's tables."""

from __future__ import annotations

from tests.many_databases import servers  # noqa: F401
from tests.test_binds import binds, invoke  # noqa: F401


def test_a_bind_on_the_default_binds_database_is_refused_before_anything_runs(binds):  # noqa: F811
    app = binds.make(
        SQLALCHEMY_BINDS={
            "analytics": binds.urls["default"],
            "billing": binds.urls["billing"],
        }
    )

    for command in (
        ["migrate", "--all-binds"],
        ["migrate:fresh", "--bind", "analytics", "--force"],
    ):
        result = invoke(app, *command)
        assert result.exit_code == 1, result.output
        assert "The binds 'default' and 'analytics' are the same database" in result.output
        assert "Traceback" not in result.output
    assert binds.tables("default") == set()
