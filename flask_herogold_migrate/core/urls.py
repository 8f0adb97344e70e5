"""Showing a database URL, or a driver's error about it, without the passwords it holds."""

from __future__ import annotations

import re
import secrets
from urllib.parse import quote, quote_plus

from sqlalchemy import make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import ArgumentError

HIDDEN = "***"

# Query parameters a driver reads a password or a key's passphrase from: libpq and psycopg's
# password and sslpassword; PyMySQL's password, passwd and ssl_key_password; mysqlclient's
# passwd; mysql-connector's password1 to password3; ODBC's PWD, and pyodbc's odbc_connect, a
# whole connection string that holds one. Matched anywhere in the name and in any case, so
# spellings such as sslkey_password are hidden too: hiding a value that was no secret costs
# nothing, showing a password does.
_SECRET_PARAMETER = re.compile(r"pass(?:w|phrase)|pwd|secret|token|odbc_connect", re.IGNORECASE)


def safe_url(url: URL | str) -> str:
    """``url`` as text with every password in it, userinfo and query, shown as ``***``."""
    parsed = _parsed(url)
    if parsed is None:
        # Unparsable, so where a password sits is unknown: show the scheme alone.
        scheme = str(url).partition("://")[0] if "://" in str(url) else ""
        return f"{scheme}://{HIDDEN}" if scheme else HIDDEN
    # render_as_string() would quote ***, so a placeholder is rendered and replaced.
    placeholder = f"hidden{secrets.token_hex(8)}"
    hidden = {key: placeholder for key in parsed.query if _SECRET_PARAMETER.search(key)}
    text = parsed.update_query_dict(hidden).render_as_string(hide_password=True)
    return text.replace(placeholder, HIDDEN)


def hide_secrets(text: str, url: URL | str) -> str:
    """``text`` (a driver's error message, say) with every password of ``url`` replaced by ***."""
    parsed = _parsed(url)
    if parsed is None:
        return text
    for secret in _secrets(parsed):
        text = text.replace(secret, HIDDEN)
    return text


def _secrets(url: URL) -> list[str]:
    values = [url.password] if url.password else []
    for key, value in url.query.items():
        if _SECRET_PARAMETER.search(key):
            values += [value] if isinstance(value, str) else list(value)
    # As given and as they would be written in a URL; the longest first, so a password that
    # contains another is hidden whole.
    found = {form for value in values if value for form in (value, quote(value), quote_plus(value))}
    return sorted(found, key=len, reverse=True)


def _parsed(url: URL | str) -> URL | None:
    if isinstance(url, URL):
        return url
    try:
        return make_url(url)
    except (ArgumentError, ValueError):
        return None
