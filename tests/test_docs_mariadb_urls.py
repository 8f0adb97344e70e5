"""The docs' migration samples that branch on the dialect work with a ``mariadb+pymysql://``
URL too, whose dialect is named ``mariadb``, not ``mysql``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from flask_herogold_migrate import MigrationManager
from tests.test_docs import EXAMPLE, SAMPLES, _state

BRANCHING = [
    pytest.param(s, id=s.id) for s in SAMPLES if s.kind == "migration" and "dialect" in s.code
]


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
@pytest.mark.parametrize("sample", BRANCHING)
def test_a_sample_branching_on_the_dialect_runs_with_a_mariadb_url(sample, database, tmp_path):
    assert database.url.startswith("mysql+pymysql://")
    engine = create_engine("mariadb+pymysql://" + database.url.split("://", 1)[1])
    directory = tmp_path / "sample_migrations"
    shutil.copytree(EXAMPLE / "migrations", directory, ignore=shutil.ignore_patterns("__*"))
    Path(directory, "20991231_docs_sample.py").write_text(sample.code, encoding="utf-8")
    manager = MigrationManager(directory, engine=engine)
    manager.run_migrations(target="add_users_created_at_index")
    before = _state(engine)
    try:
        assert manager.run_migrations() == ["20991231_docs_sample"]
        assert manager.rollback() == ["20991231_docs_sample"]
        assert _state(engine) == before
    finally:
        engine.dispose()
