"""Finding and loading migration files: their run order, names that are not a migration's,
``--target``, and files that cannot be loaded (broken, exiting, relative imports), the private
module names they load under and their bytecode.
"""

from __future__ import annotations

import json
import os
import sys

import pytest

from flask_herogold_migrate import MigrationManager
from flask_herogold_migrate.core.errors import BrokenMigrationFile, UnknownTarget


def test_migrate_applies_pending_files_in_run_order_as_one_batch(
    cli, database, create_table_migration
):
    create_table_migration("20260301_zeta", "zeta")
    create_table_migration("20260301_02_alpha", "alpha")
    create_table_migration("20260228_feb", "feb")

    result = cli("migrate")

    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("Migrated")]
    assert [line.split()[1] for line in lines] == [
        "20260228_feb",
        "20260301_zeta",
        "20260301_02_alpha",
    ]
    assert all(line.endswith(" ms)") for line in lines)  # each with its duration
    assert {"zeta", "alpha", "feb", "migrations"} <= database.table_names()
    rows = database.migration_rows()
    assert {name: row["batch"] for name, row in rows.items()} == {
        "20260228_feb": 1,
        "20260301_zeta": 1,
        "20260301_02_alpha": 1,
    }
    assert all(len(row["checksum"]) == 64 and row["applied_at"] for row in rows.values())


def test_target_applies_up_to_and_including_it(cli, database, create_table_migration):
    create_table_migration("20260301_one", "one")
    create_table_migration("20260302_two", "two")
    create_table_migration("20260303_three", "three")

    by_description = cli("migrate", "--target", "two")

    assert by_description.exit_code == 0, by_description.output
    assert set(database.migration_rows()) == {"20260301_one", "20260302_two"}
    as_completed = cli("migrate", "--target", "migrations/20260303_three.py")  # tab completion
    assert as_completed.exit_code == 0, as_completed.output
    assert set(database.migration_rows()) == {"20260301_one", "20260302_two", "20260303_three"}


@pytest.mark.sqlite_only
def test_unknown_or_ambiguous_target_applies_nothing(
    cli, database, create_table_migration, manager
):
    create_table_migration("20260301_users", "users_a")
    create_table_migration("20260302_users", "users_b")

    unknown = cli("migrate", "--target", "nope")
    assert unknown.exit_code == 1
    assert "Unknown target 'nope'" in unknown.output
    empty = cli("migrate", "--target", "")  # say, --target "$UNSET_VARIABLE"
    assert empty.exit_code == 1
    assert "Unknown target ''" in empty.output
    with pytest.raises(UnknownTarget, match="ambiguous"):
        manager.run_migrations(target="users")
    assert "migrations" not in database.table_names() or database.migration_rows() == {}
    assert not {"users_a", "users_b"} & database.table_names()


@pytest.mark.sqlite_only
def test_files_meant_as_migrations_with_invalid_names_are_reported_not_run(
    cli, database, migrations_dir, create_table_migration
):
    create_table_migration("20260301_valid", "valid")
    create_table_migration("20261131_bad_date", "bad_date")
    create_table_migration("20260302_2_one_digit", "one_digit")
    (migrations_dir / "helpers.py").write_text("HELPER = 1\n")  # plainly not a migration

    result = cli("migrate")

    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "Warning: 20260302_2_one_digit.py is not run, its name is not a migration's: after the "
        "date comes _name or _NN_name (NN: two to four digits), the name starting with a letter "
        "and made of letters, digits and underscores. Name it like YYYYMMDD_name.py (or "
        "YYYYMMDD_02_name.py).",
        "Warning: 20261131_bad_date.py is not run, its name is not a migration's: 20261131 is "
        "not a date. Name it like YYYYMMDD_name.py (or YYYYMMDD_02_name.py).",
    ]
    assert set(database.migration_rows()) == {"20260301_valid"}
    assert {"valid", "bad_date", "one_digit"} & database.table_names() == {"valid"}
    # Every later run says it again, the no-op one included, and so does status.
    assert "20261131_bad_date.py is not run" in cli("migrate").stderr
    status = cli("migrate:status")
    assert "20261131_bad_date.py is not run" in status.stderr
    assert "20261131_bad_date" not in status.stdout
    listed = json.loads(cli("migrate:status", "--json").stdout)["misnamed"]
    assert listed == [
        {"name": "20260302_2_one_digit", "reason": listed[0]["reason"]},
        {"name": "20261131_bad_date", "reason": "20261131 is not a date"},
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("x = (\n", "line 1: syntax error"),
        ("import no_such_module_here\n", "line 1: importing it failed: ModuleNotFoundError"),
        ("\n\nraise ValueError('bad config')\n", "line 3: importing it failed: ValueError"),
        ("from flask_herogold_migrate import Migration\n", "exactly one subclass of Migration"),
        (
            "from flask_herogold_migrate import Migration\n"
            "class A(Migration):\n    pass\n"
            "class B(Migration):\n    pass\n",
            "(found A, B)",
        ),
    ],
)
@pytest.mark.sqlite_only
def test_broken_file_is_reported_and_nothing_is_applied(
    cli, database, create_table_migration, write_migration, body, expected
):
    create_table_migration("20260301_fine", "fine")
    broken = write_migration("20260302_broken", body=body)

    result = cli("migrate")

    assert result.exit_code == 1
    assert str(broken) in result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert "fine" not in database.table_names()


@pytest.mark.parametrize(
    ("call", "what"),
    [
        ("sys.exit(3)", "SystemExit: 3"),
        ("sys.exit()", "SystemExit"),  # exit status 0: the run looked successful
        ("raise SystemExit('not in production')", "SystemExit: not in production"),
    ],
)
@pytest.mark.sqlite_only
def test_a_file_that_exits_while_imported_is_a_broken_file(
    cli, database, create_table_migration, write_migration, call, what
):
    create_table_migration("20260301_fine", "fine")
    broken = write_migration(
        "20260302_exits",
        body=f"import sys\nfrom flask_herogold_migrate import Migration\n\n{call}\n",
    )

    result = cli("migrate")

    assert result.exit_code == 1
    assert result.output == f"Error: {broken}, line 4: importing it failed: {what}.\n"
    assert "fine" not in database.table_names()
    assert database.migration_rows() == {}


@pytest.mark.sqlite_only
def test_a_relative_import_in_a_file_says_how_to_share_code(cli, write_migration):
    broken = write_migration(
        "20260301_shares",
        body="from ._helpers import TABLE\nfrom flask_herogold_migrate import Migration\n",
    )

    result = cli("migrate")

    assert result.exit_code == 1
    assert result.output.startswith(
        f"Error: {broken}, line 1: importing it failed: ImportError: attempted relative import "
        "with no known parent package. A migration file is loaded on its own"
    )
    assert "_loaded_migrations" not in result.output


def test_a_migration_declaring_a_sqlmodel_table_runs_down_and_up_again_in_one_process(
    database, write_migration, manager
):
    table = f"notes_{database.dialect}"  # SQLModel's metadata is one per process, tests share it
    write_migration(
        "20260301_notes",
        f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, body VARCHAR(50))",
        f"DROP TABLE {table}",
    )
    write_migration(
        "20260302_first_note",
        body=f"""
        from sqlmodel import Field, SQLModel, delete, select
        from flask_herogold_migrate import Migration


        class Note(SQLModel, table=True):
            __tablename__ = "{table}"
            id: int = Field(primary_key=True)
            body: str


        class FirstNote(Migration):
            def up(self, session):
                session.add(Note(id=1, body="hello"))

            def down(self, session):
                session.exec(delete(Note))
        """,
    )

    assert manager.run_migrations() == ["20260301_notes", "20260302_first_note"]
    assert manager.rollback() == ["20260302_first_note", "20260301_notes"]
    # The same files again, in the same process: loaded once, never declared twice.
    assert manager.run_migrations() == ["20260301_notes", "20260302_first_note"]
    assert database.rows(table) == [{"id": 1, "body": "hello"}]


@pytest.mark.sqlite_only
def test_an_import_error_names_its_line_however_the_directory_is_named(
    tmp_path, database, write_migration, monkeypatch
):
    broken = write_migration(
        "20260301_broken", body="from flask_herogold_migrate import Migration\n\n\n\n1 / 0\n"
    )
    monkeypatch.setattr(sys, "dont_write_bytecode", False)  # as in a deployed app
    monkeypatch.chdir(tmp_path)
    relative = MigrationManager(broken.parent.relative_to(tmp_path), engine=database.engine)
    absolute = MigrationManager(broken.parent, engine=database.engine)

    for manager in (relative, absolute):  # the second one loads the bytecode the first cached
        with pytest.raises(BrokenMigrationFile) as raised:
            manager.run_migrations()
        assert ", line 5: importing it failed: ZeroDivisionError: division by zero." in str(
            raised.value
        )


@pytest.mark.sqlite_only
def test_an_interrupt_while_a_file_is_imported_still_interrupts(manager, write_migration):
    write_migration("20260301_interrupted", body="raise KeyboardInterrupt\n")

    with pytest.raises(KeyboardInterrupt):
        manager.run_migrations()


@pytest.mark.sqlite_only
def test_files_load_under_a_private_module_name(manager, write_migration, monkeypatch):
    write_migration(
        "20260301_json",
        body="""
        import json
        from flask_herogold_migrate import Migration

        class UsesJson(Migration):
            def up(self, session):
                assert json.dumps([1]) == "[1]"
            def down(self, session):
                pass
        """,
    )

    assert manager.run_migrations() == ["20260301_json"]
    assert "20260301_json" not in sys.modules
    assert any(
        name.startswith("flask_herogold_migrate._loaded_migrations.")
        and name.endswith("20260301_json")
        for name in sys.modules
    )


@pytest.mark.sqlite_only
def test_an_edited_file_never_runs_stale_bytecode(
    manager, database, write_migration, migrations_dir, monkeypatch
):
    # Same length, same modification time: a timestamp .pyc could not tell the two apart.
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    path = write_migration(
        "20260301_swap", up="CREATE TABLE aaaa (id INTEGER)", down="DROP TABLE aaaa"
    )
    stat = path.stat()
    assert manager.run_migrations() == ["20260301_swap"]
    assert list((migrations_dir / "__pycache__").glob("20260301_swap.*.pyc"))
    assert manager.reset() == ["20260301_swap"]

    path.write_text(path.read_text().replace("aaaa", "bbbb"))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert manager.run_migrations() == ["20260301_swap"]

    assert "bbbb" in database.table_names()
    assert "aaaa" not in database.table_names()
