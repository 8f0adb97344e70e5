"""migrate:adopt takes one database of an app at a time: a bind, or a schema tenant."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone

from sqlalchemy import text

from tests.many_databases import servers  # noqa: F401
from tests.test_binds import binds, invoke  # noqa: F401
from tests.test_tenants import tenants  # noqa: F401

TODAY = datetime.now(timezone.utc).strftime("%Y%m%d")


def test_a_bind_is_adopted_into_its_own_directory_and_table(binds):  # noqa: F811
    shutil.rmtree(binds.dirs["billing"])
    with binds.servers.engine(binds.urls["billing"]).begin() as conn:
        conn.execute(text("CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount INTEGER)"))
    app = binds.make()

    result = invoke(app, "migrate:adopt", "--bind", "billing")

    assert result.exit_code == 0, result.output
    assert [p.name for p in binds.dirs["billing"].glob("*.py")] == [f"{TODAY}_baseline.py"]
    assert binds.applied("billing") == {f"{TODAY}_baseline"}
    assert binds.tables("default") == set()  # the default bind is left alone


def test_a_schema_tenant_is_adopted_from_its_own_schema(tenants):  # noqa: F811
    shutil.rmtree(tenants.dir)
    first, second = tenants.add_schemas(2)
    with tenants.servers.engine(tenants.url).begin() as conn:
        conn.execute(text(f'CREATE TABLE "{first}".ledger (id INTEGER PRIMARY KEY)'))
        conn.execute(text("CREATE TABLE public.settings (id INTEGER PRIMARY KEY)"))
    app = tenants.make()

    result = invoke(app, "migrate:adopt", "--tenant", first)

    assert result.exit_code == 0, result.output
    baseline = (tenants.dir / f"{TODAY}_baseline.py").read_text()
    assert '"ledger"' in baseline and "settings" not in baseline
    assert tenants.applied(first) == {f"{TODAY}_baseline"}
    assert tenants.tables(second) == set()
