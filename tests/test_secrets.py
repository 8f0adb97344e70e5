"""Passwords are never shown: not in a URL the package prints, nor in a driver's error."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import make_url, text
from sqlalchemy.engine.url import URL

from flask_herogold_migrate.__main__ import main as standalone_main
from flask_herogold_migrate.core import DatabaseUnavailable
from flask_herogold_migrate.core.urls import hide_secrets, safe_url
from tests.conftest import AppMaker

SECRET = f"WRONGSECRET{uuid.uuid4().hex[:8]}"


def url_with(base: str | URL, password: str | None = None, query: Mapping[str, str] = {}) -> str:
    """``base`` (a test database's URL) with the given password and query parameters."""
    url = make_url(base).set(password=password).update_query_dict(dict(query))
    return url.render_as_string(hide_password=False)


def migrate_with(url: str, migrations_dir: Path):
    return CliRunner().invoke(
        standalone_main, ["migrate", "--dir", str(migrations_dir), "--database-url", url]
    )


def auto_run_error(tmp_path: Path, url: str, flask_sqlalchemy: bool) -> DatabaseUnavailable:
    """What init_app raises when auto-run cannot connect to ``url``."""
    make_app = AppMaker(tmp_path, url)
    try:
        with pytest.raises(DatabaseUnavailable) as raised:
            make_app(name="auto_app", sqlalchemy=flask_sqlalchemy, HEROGOLD_MIGRATE_AUTO=True)
    finally:
        make_app.close()
    return raised.value


def texts_of(error: BaseException | None) -> list[str]:
    """The text of ``error`` and of every error chained to it, as a log or tracker shows them."""
    texts = []
    while error is not None:
        texts += [str(error), repr(error), *map(str, error.args)]
        error = error.__cause__ or error.__context__
    return texts


@pytest.fixture
def mariadb_user(database) -> Iterator[str]:
    """A user whose login needs a password, which the tests get wrong."""
    name = f"hgm_pw_{uuid.uuid4().hex[:8]}"
    with database.engine.connect() as conn:
        conn.execute(text(f"CREATE USER '{name}'@'%' IDENTIFIED BY 'right-{SECRET[::-1]}'"))
    try:
        yield name
    finally:
        with database.engine.connect() as conn:
            conn.execute(text(f"DROP USER IF EXISTS '{name}'@'%'"))


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
@pytest.mark.parametrize(
    "given",
    [
        {"password": SECRET},
        {"query": {"password": SECRET}},
        pytest.param(
            {"query": {"passwd": SECRET}},
            marks=pytest.mark.filterwarnings("ignore:'passwd' is deprecated"),
            id="passwd in the query",
        ),
    ],
    ids=["userinfo", "password in the query", "passwd in the query"],
)
def test_a_wrong_mariadb_password_is_shown_nowhere(
    database, mariadb_user, migrations_dir, tmp_path, given
):
    base = make_url(database.url).set(username=mariadb_user)
    url = url_with(base, given.get("password"), given.get("query", {}))

    result = migrate_with(url, migrations_dir)

    assert result.exit_code == 1
    assert result.output.startswith(
        f"Error: Cannot connect to the database {url.replace(SECRET, '***')}: (1045, "
        f"\"Access denied for user '{mariadb_user}'@"
    )
    assert SECRET not in result.stdout + result.stderr
    for flask_sqlalchemy in (True, False):
        error = auto_run_error(tmp_path, url, flask_sqlalchemy)
        assert str(error).startswith("Cannot connect to the database")
        assert not [t for t in texts_of(error) if SECRET in t]


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
@pytest.mark.parametrize(
    "given",
    [{"password": SECRET}, {"sslpassword": SECRET}, {"PassWord": SECRET}],
    ids=["password", "sslpassword", "mixed case"],
)
def test_a_postgresql_password_in_the_query_is_shown_nowhere(
    database, migrations_dir, tmp_path, given
):
    # Trust authentication accepts any password, so the connection fails another way.
    missing = make_url(database.url).set(database=f"{make_url(database.url).database}_missing")
    url = url_with(missing, query=given)

    result = migrate_with(url, migrations_dir)

    assert result.exit_code == 1
    assert result.output.startswith(
        f"Error: Cannot connect to the database {url.replace(SECRET, '***')}: "
    )
    assert SECRET not in result.stdout + result.stderr
    for flask_sqlalchemy in (True, False):
        error = auto_run_error(tmp_path, url, flask_sqlalchemy)
        assert not [t for t in texts_of(error) if SECRET in t]


def test_a_password_of_a_refused_connection_is_shown_nowhere(migrations_dir, tmp_path):
    url = f"postgresql+psycopg://u:{SECRET}@127.0.0.1:1/x"

    result = migrate_with(url, migrations_dir)

    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: Cannot connect to the database postgresql+psycopg://u:***@127.0.0.1:1/x: "
    )
    assert SECRET not in result.stdout + result.stderr
    for flask_sqlalchemy in (True, False):
        error = auto_run_error(tmp_path, url, flask_sqlalchemy)
        assert not [t for t in texts_of(error) if SECRET in t]


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_driver_error_quoting_the_password_has_it_hidden(database, migrations_dir, tmp_path):
    # The server names the missing database, which here is spelled as the password is.
    base = make_url(database.url)
    url = url_with(base.set(database=SECRET.lower()), query={"password": SECRET.lower()})

    result = migrate_with(url, migrations_dir)

    assert result.exit_code == 1
    shown = url.replace(f"password={SECRET.lower()}", "password=***")
    assert result.output.startswith(f"Error: Cannot connect to the database {shown}: ")
    assert result.output.endswith('database "***" does not exist\n')
    error = auto_run_error(tmp_path, url, flask_sqlalchemy=False)
    assert str(error).endswith('database "***" does not exist')
    assert error.__cause__ is None and error.__context__ is None


def test_a_url_missing_its_at_sign_does_not_quote_the_password(migrations_dir):
    # Parsed as host "root", port "<password>/db".
    result = migrate_with(f"mysql+pymysql://root:{SECRET}/db", migrations_dir)

    assert result.exit_code == 1
    assert result.output == "Error: Invalid database URL: its port is not a number.\n"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("mysql+pymysql://u:pw@h/db", "mysql+pymysql://u:***@h/db"),
        ("mysql+pymysql://u@h/db?password=pw&charset=utf8mb4", "?charset=utf8mb4&password=***"),
        ("mysql+pymysql://u@h/db?PASSWORD=pw", "?PASSWORD=***"),
        ("mysql+pymysql://u@h/db?passwd=pw", "?passwd=***"),
        ("mysql+pymysql://u@h/db?ssl_key_password=pw", "?ssl_key_password=***"),
        ("postgresql+psycopg://u@h/db?sslpassword=pw", "?sslpassword=***"),
        ("postgresql+psycopg://u@h/db?sslkey_password=pw", "?sslkey_password=***"),
        ("mssql+pyodbc://u@h/db?Pwd=pw", "?Pwd=***"),
        ("mysql+mysqlconnector://u@h/db?password2=pw", "?password2=***"),
        ("postgresql+psycopg://u@h/db?password=pw&password=pw2", "?password=***"),
        ("postgresql+psycopg://u:p%40w@h/db?password=p%26w", "u:***@h/db?password=***"),
        ("mssql+pyodbc://?odbc_connect=DRIVER%3Dx%3BPWD%3Dpw", "?odbc_connect=***"),
    ],
)
def test_safe_url_hides_every_password_and_only_them(url, shown):
    text_shown = safe_url(url)

    assert shown in text_shown
    assert "pw" not in text_shown.replace("password", "").replace("passwd", "")
    assert "p@w" not in text_shown and "p&w" not in text_shown
    assert safe_url(make_url(url)) == text_shown


def test_safe_url_of_a_url_that_does_not_parse_shows_its_scheme_only():
    assert safe_url(f"mysql+pymysql://root:{SECRET}/db") == "mysql+pymysql://***"
    assert safe_url(SECRET) == "***"


def test_hide_secrets_hides_each_password_the_url_gives_as_given_and_quoted():
    url = "postgresql+psycopg://u:p%40ss@h/db?sslpassword=key-phrase"

    shown = hide_secrets("failed for p@ss, p%40ss and key-phrase; u and db stay", url)

    assert shown == "failed for ***, *** and ***; u and db stay"
