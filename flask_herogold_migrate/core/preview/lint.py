"""``migrate:lint``: what in the pending migrations would hurt a busy database.

The statements are those ``migrate --pretend`` finds (:mod:`.rehearsal`): on PostgreSQL the
pending batch really runs, in a transaction that is rolled back, so a statement built from
data is linted as it would be sent. The rules are the database's own concern:

- PostgreSQL: squawk's rules about locks and table rewrites (:mod:`.squawk`), one migration
  at a time, told whether the migration runs in a transaction. squawk's rules of style and
  robustness (:data:`STYLE_RULES`) are left out unless asked for.
- MySQL and MariaDB: DDL commits on its own there, so a migration that changes both the
  schema and data cannot be atomic (:data:`MIXED_RULE`).
- SQLite: a migration runs in one transaction that locks the whole database, whatever it
  does; there is nothing to lint.

A migration silences a rule for itself with ``lint_ignore = ["rule-name"]``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..dialects.base import first_word
from ..dialects.mysql import MySQLImpl
from ..errors import BrokenMigrationFile
from ..files.discovery import discover
from ..files.loader import load_migration
from .rehearsal import RehearsedMigration
from .squawk import as_postgresql, find_squawk, run_squawk

if TYPE_CHECKING:
    from ..manager import MigrationManager

#: squawk's rules that are about style or re-running a script by hand, not about locks: left
#: out unless ``all_rules`` (a failed migration here is rolled back, or recorded as failed).
STYLE_RULES = frozenset(
    {
        "prefer-robust-stmts",
        "prefer-bigint-over-int",
        "prefer-bigint-over-smallint",
        "prefer-identity",
        "prefer-text-field",
        "prefer-timestamp-tz",
        "ban-char-field",
        "require-lock-timeout",
        "require-statement-timeout",
        "require-timeout-settings",
    }
)

#: Our own rule for MySQL and MariaDB.
MIXED_RULE = "mixed-ddl-and-data"
_DATA_CHANGES = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE"})


@dataclass(frozen=True)
class LintFinding:
    """A statement of a pending migration that breaks a rule."""

    migration: str
    path: Path
    statement: str
    rule: str
    message: str
    help: str | None = None


@dataclass(frozen=True)
class LintReport:
    """What ``migrate:lint`` found, in run order."""

    database: str
    #: The pending migrations whose statements were checked.
    linted: tuple[str, ...]
    findings: tuple[LintFinding, ...]
    #: How many findings ``lint_ignore`` silenced.
    silenced: int = 0
    #: Why no rule applies to this database; None when the rules ran.
    nothing_to_lint: str | None = None
    #: The pending migration whose rehearsal failed: the real run would fail there too.
    failed: RehearsedMigration | None = None


Rule = Callable[[RehearsedMigration], list[LintFinding]]


def lint_pending(
    manager: MigrationManager, *, target: str | None = None, all_rules: bool = False
) -> LintReport:
    """Lint what ``manager.run_migrations(target)`` would run now; nothing is changed."""
    dialect = manager.engine.dialect
    if dialect.name == "sqlite":
        return LintReport(
            "SQLite",
            (),
            (),
            nothing_to_lint=(
                "a migration on SQLite runs in one transaction that locks the whole database "
                "while it runs, whatever its statements, so no statement is riskier than another"
            ),
        )
    squawk = find_squawk() if dialect.name == "postgresql" else None  # before running anything
    if squawk is None and dialect.name not in ("mysql", "mariadb"):
        return LintReport(
            dialect.name, (), (), nothing_to_lint=f"there are no lint rules for {dialect.name}"
        )
    rehearsal = manager.pretend_migrations(target)
    rule: Rule
    if squawk is not None:
        version = dialect.server_version_info
        pg_version = ".".join(map(str, version[:2])) if version else None
        rule = _squawk_rule(squawk, dialect.paramstyle, pg_version, all_rules)
    else:
        rule = _mixed_ddl_and_data
    ignored = _lint_ignores(manager, rehearsal.migrations)
    findings, silenced = [], 0
    for migration in rehearsal.migrations:
        for finding in rule(migration):
            if finding.rule in ignored.get(migration.name, ()):
                silenced += 1
            else:
                findings.append(finding)
    return LintReport(
        rehearsal.database or dialect.name,
        tuple(rehearsal.names),
        tuple(findings),
        silenced,
        failed=rehearsal.failed,
    )


def _squawk_rule(executable: str, paramstyle: str, pg_version: str | None, all_rules: bool) -> Rule:
    def check(migration: RehearsedMigration) -> list[LintFinding]:
        if not migration.statements:
            return []
        statements = [s.sql for s in migration.statements]
        found = run_squawk(
            executable,
            [as_postgresql(sql, paramstyle) for sql in statements],
            in_transaction=migration.in_transaction,
            pg_version=pg_version,
        )
        return [
            LintFinding(
                migration.name,
                migration.path,
                statements[index],
                finding.rule,
                finding.message,
                finding.help,
            )
            for index, finding in found
            if all_rules or finding.rule not in STYLE_RULES
        ]

    return check


def _mixed_ddl_and_data(migration: RehearsedMigration) -> list[LintFinding]:
    impl = MySQLImpl()
    schema = [s.sql for s in migration.statements if impl.commits_on_its_own(s.sql)]
    data = [s.sql for s in migration.statements if first_word(s.sql) in _DATA_CHANGES]
    if not (schema and data):
        return []
    shown = " ".join(schema[0].split())
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return [
        LintFinding(
            migration.name,
            migration.path,
            data[0],
            MIXED_RULE,
            f"This migration changes data, and the schema too ({shown}). On "
            f"{impl.display_name} each DDL statement commits on its own, so the migration "
            "cannot be atomic: a failure after one leaves it half-applied, recorded as failed.",
            "Put the schema change and the data change in migrations of their own.",
        )
    ]


def _lint_ignores(
    manager: MigrationManager, migrations: Sequence[RehearsedMigration]
) -> dict[str, frozenset[str]]:
    """Each migration's ``lint_ignore``, read from its class (the rehearsal loaded them)."""
    if not migrations:
        return {}
    files = {file.name: file for file in discover(manager.migrations_dir)}
    ignored = {}
    for rehearsed in migrations:
        migration = load_migration(files[rehearsed.name])
        rules = migration.lint_ignore
        if isinstance(rules, str) or not all(isinstance(rule, str) for rule in rules):
            raise BrokenMigrationFile(
                f"{rehearsed.path}: lint_ignore must be a list of rule names, for example "
                '["require-concurrent-index-creation"].',
                path=rehearsed.path,
            )
        ignored[rehearsed.name] = frozenset(rules)
    return ignored
