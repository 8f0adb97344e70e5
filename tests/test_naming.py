"""File names and run order: pure functions, then what a run does with a name on disk."""

from __future__ import annotations

import json
from datetime import date

import pytest

from flask_herogold_migrate.core.errors import InvalidMigrationName
from flask_herogold_migrate.core.files.naming import (
    class_name,
    next_stem,
    normalize_new_name,
    parse_stem,
    sort_key,
    why_not_a_migration,
)


def test_run_order_is_by_date_then_sequence_not_by_text():
    stems = ["20260301_zeta", "20260301_02_alpha", "20260228_03_last_of_feb", "20260301_03_beta"]
    ordered = sorted(stems, key=sort_key)
    assert ordered == [
        "20260228_03_last_of_feb",
        "20260301_zeta",
        "20260301_02_alpha",
        "20260301_03_beta",
    ]
    assert sorted(stems) != ordered  # plain string order is the trap


@pytest.mark.parametrize(
    "stem",
    [
        "20260301",
        "2026031_x",
        "20261301_bad_month",
        "20260230_no_such_day",
        "20260301_2fa",
        "20260301__x",
        "x_20260301_y",
        "20260301_02_",
        "20260301_x\n",
        "20260301_02_x\n",
    ],
)
def test_stems_that_are_not_migrations(stem):
    assert parse_stem(stem) is None


def test_sequence_and_description_are_parsed():
    parsed = parse_stem("20260301_02_add_email")
    assert parsed is not None
    assert (parsed.date, parsed.sequence, parsed.description) == ("20260301", 2, "add_email")
    assert parse_stem("20260301_add_email").sequence == 1


def test_next_stem_takes_the_highest_sequence_of_the_day_plus_one():
    day = date(2026, 3, 1)
    assert next_stem("users", day, []) == "20260301_users"
    assert next_stem("users", day, ["20260228_x"]) == "20260301_users"
    assert next_stem("roles", day, ["20260301_users"]) == "20260301_02_roles"
    assert next_stem("idx", day, ["20260301_users", "20260301_07_roles"]) == "20260301_08_idx"


def test_camel_case_becomes_snake_case_and_a_pascal_class():
    assert normalize_new_name("CreateUsersTable") == "create_users_table"
    assert normalize_new_name("addHTTPHeaders") == "add_http_headers"
    assert normalize_new_name("create_users_table") == "create_users_table"
    assert class_name("create_users_table") == "CreateUsersTable"


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "../x",
        "a/b",
        "has space",
        "quo'te",
        'dq"',
        "semi;colon",
        "9lives",
        "é",
        "-x",
        "x\n",
        "x" * 201,
    ],
)
def test_bad_names_are_refused(bad):
    with pytest.raises(InvalidMigrationName):
        normalize_new_name(bad)


@pytest.mark.parametrize(
    ("stem", "reason"),
    [
        ("20261131_bad_date", "20261131 is not a date"),
        ("2026-11-29_dashes", "does not start with a date as YYYYMMDD"),
        ("20261129add_column", "does not start with a date as YYYYMMDD"),
        ("20261129_2_single_digit", "after the date comes _name or _NN_name"),
        ("20261129_add-col", "after the date comes _name or _NN_name"),
        ("20261129_café", "after the date comes _name or _NN_name"),
        ("20261129_add_column\n", "it contains the unprintable character '\\n'"),
        ("20261129_add\tcolumn", "it contains the unprintable character '\\t'"),
    ],
)
def test_a_file_meant_as_a_migration_says_why_its_name_is_not_one(stem, reason):
    assert reason in (why_not_a_migration(stem) or "")


@pytest.mark.parametrize("stem", ["20261129_add_column", "20261129_02_add", "helpers", "__init__"])
def test_migrations_and_plainly_other_files_need_no_reason(stem):
    assert why_not_a_migration(stem) is None


@pytest.mark.parametrize("control", ["\n", "\t"])
@pytest.mark.sqlite_only
def test_a_file_whose_name_holds_a_control_character_is_reported_not_run(
    cli, database, migrations_dir, create_table_migration, control
):
    create_table_migration(f"20260301_sneaky{control}", "sneaky")
    create_table_migration("20260302_valid", "valid")

    result = cli("migrate")

    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"Warning: {f'20260301_sneaky{control}.py'!r} is not run, its name is not a "
        f"migration's: it contains the unprintable character {control!r}. Name it like "
        "YYYYMMDD_name.py (or YYYYMMDD_02_name.py)."
    ]
    assert set(database.migration_rows()) == {"20260302_valid"}
    assert {"sneaky", "valid"} & database.table_names() == {"valid"}
    status = cli("migrate:status", "--json")
    assert [m["name"] for m in json.loads(status.stdout)["migrations"]] == ["20260302_valid"]
