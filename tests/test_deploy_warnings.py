"""What a deploy is told without being stopped: edited applied files, migrations it lacks."""

from __future__ import annotations

import logging


def test_migrate_warns_of_edited_applied_files_and_goes_on(
    cli, database, create_table_migration, migrations_dir
):
    create_table_migration("20260301_one", "one")
    assert cli("migrate").exit_code == 0
    path = migrations_dir / "20260301_one.py"
    path.write_text(path.read_text() + "\n# edited after it ran\n")
    create_table_migration("20260302_two", "two")

    result = cli("migrate")

    assert result.exit_code == 0, result.output
    assert "Warning: applied migrations edited since they ran: 20260301_one." in result.output
    assert "two" in database.table_names()


def test_migrate_warns_of_applied_migrations_this_code_lacks_and_goes_on(
    cli, database, create_table_migration, migrations_dir
):
    create_table_migration("20260301_one", "one")
    create_table_migration("20260302_newer", "newer")
    assert cli("migrate").exit_code == 0
    (migrations_dir / "20260302_newer.py").unlink()  # older code, deployed beside newer

    nothing = cli("migrate")
    create_table_migration("20260303_three", "three")
    applied = cli("migrate")

    for result in (nothing, applied):
        assert result.exit_code == 0, result.output
        assert (
            "Warning: the database has applied migrations this code does not have: "
            "20260302_newer" in result.output
        )
    assert "Nothing to migrate." in nothing.output
    assert "three" in database.table_names()


def test_auto_run_logs_both_warnings(
    make_app, database, create_table_migration, migrations_dir, caplog
):
    create_table_migration("20260301_one", "one")
    create_table_migration("20260302_gone", "gone")
    make_app(name="warned", sqlalchemy=False, HEROGOLD_MIGRATE_AUTO=True)
    (migrations_dir / "20260302_gone.py").unlink()
    path = migrations_dir / "20260301_one.py"
    path.write_text(path.read_text() + "\n# edited\n")
    create_table_migration("20260303_three", "three")
    caplog.set_level(logging.INFO, logger="flask_herogold_migrate")

    make_app(name="warned", sqlalchemy=False, HEROGOLD_MIGRATE_AUTO=True)

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("this code does not have: 20260302_gone" in w for w in warnings), warnings
    assert any("edited since they ran: 20260301_one" in w for w in warnings), warnings
    assert "three" in database.table_names()
