"""The source of a generated migration: what ``migrate:make`` writes, with a plan's operations.

Alembic renders each operation (``render_op_text``); this module lays them out in ``up()``
and ``down()`` with ``op = schema(session)``, puts the lines Alembic has no operation for
around them (PostgreSQL enum types, the tables no model describes, the ``# TODO`` comments),
and imports every module the rendered code names, so the file runs as written: a type from
SQLModel or from the app itself is rendered ``module.Type(...)``, and ``module`` imported.
"""

from __future__ import annotations

import io
import re
import textwrap
import tokenize
import warnings
from typing import TYPE_CHECKING, Any

from .enum_render import change_lines, create_lines, drop_lines, enum_type
from .enums import native_enum
from .key_indexes import guard_drops, without_drops_of_dropped_tables
from .naming import BATCH_CONVENTION
from .renames import reverse_operations
from .type_changes import postgresql_cast

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext
    from alembic.operations.ops import MigrateOperation

    from ..files.create import NewMigration
    from .plan import AutogeneratePlan

_INDENT = " " * 8
_WIDTH = 92


#: What the docstring of a file generated from the models says of where it comes from.
FROM_THE_MODELS = (
    "Generated from the models by migrate:make --autogenerate: read it before applying it."
)


def render_migration(
    plan: AutogeneratePlan,
    new: NewMigration,
    *,
    origin: str = FROM_THE_MODELS,
    class_lines: tuple[str, ...] = (),
) -> str:
    """The whole file for ``plan``, named as ``new`` says; ``origin`` ends its docstring,
    and ``class_lines`` (attributes such as ``replaces = [...]``) open its class."""
    with warnings.catch_warnings():
        # What Alembic warns of here, a constraint left unnamed, the plan's TODOs say already.
        warnings.filterwarnings("ignore", message=".*unnamed constraint", category=UserWarning)
        return _render_migration(plan, new, origin, class_lines)


def _render_migration(
    plan: AutogeneratePlan, new: NewMigration, origin: str, class_lines: tuple[str, ...]
) -> str:
    context = _autogen_context(plan)
    operations = plan.final_operations()
    up = ["op = schema(session)"]
    up += _comment_lines([t.message for t in plan.todos if t.table is None], "TODO: ")
    for table in plan.tables_left_alone:
        up.append(f'# op.drop_table("{table}")  # no model describes it: uncomment to drop it')
    for change in plan.new_enums:
        up += create_lines(change)
    for change in plan.changed_enums:
        up += change_lines(change, plan.dialect)
    up += _render_all(context, operations, plan)

    down = ["op = schema(session)"]
    backwards = without_drops_of_dropped_tables(reverse_operations(operations))
    guard_drops(backwards, plan.key_indexes)
    down += _render_all(context, backwards, plan, todos=False)
    for change in reversed(plan.changed_enums):
        down += change_lines(change, plan.dialect, backwards=True)
    for change in reversed(plan.new_enums):
        down += drop_lines(change)

    body = "\n".join(
        [
            f"class {new.cls}(Migration):",
            *[f"    {line}" for line in class_lines],
            *([""] if class_lines else []),
            "    def up(self, session: Session) -> None:",
            *_indented(up),
            "",
            "    def down(self, session: Session) -> None:",
            *_indented(down),
        ]
    )
    source = (
        f'"""{new.title}\n\nMigration {new.stem}, created {new.created} UTC.\n{origin}\n"""\n\n'
        + _unknown_tables_comment(plan.tables_left_alone)
        + _imports(context.imports, body)
        + "\n\n\n"
        + body
        + "\n"
    )
    return double_quoted(source)


def _autogen_context(plan: AutogeneratePlan) -> AutogenContext:
    from alembic.autogenerate.api import AutogenContext
    from alembic.runtime.migration import MigrationContext

    postgresql = plan.dialect.name == "postgresql"

    def render_item(kind: str, obj: Any, autogen: AutogenContext) -> str | bool:
        if kind != "type":
            return False
        enum = native_enum(obj) if postgresql else None
        if enum is not None:
            autogen.imports.add("from sqlalchemy.dialects import postgresql")
            return enum_type(*enum)
        module = type(obj).__module__
        if not module.startswith("sqlalchemy."):
            autogen.imports.add(f"import {module}")  # Alembic writes module.Type(...)
        return False

    render_as_batch = plan.dialect.name == "sqlite"
    opts = {
        "sqlalchemy_module_prefix": "sa.",
        "alembic_module_prefix": "op.",
        "render_item": render_item,
        "render_as_batch": render_as_batch,
        "user_module_prefix": None,
    }
    migration_context = MigrationContext.configure(dialect=plan.dialect, opts=opts)
    context = AutogenContext(migration_context, opts=opts)
    context.imports = set()
    return context


def _render_all(
    context: AutogenContext,
    operations: list[MigrateOperation],
    plan: AutogeneratePlan,
    *,
    todos: bool = True,
) -> list[str]:
    from alembic.autogenerate.render import render_op, render_op_text
    from alembic.operations.ops import ModifyTableOps, RenameTableOp

    lines: list[str] = []
    said: set[str] = set()
    for op in operations:
        table = getattr(op, "table_name", None)
        if todos and table is not None and table not in said:
            said.add(table)
            lines += _comment_lines([t.message for t in plan.todos if t.table == table], "TODO: ")
        if isinstance(op, RenameTableOp):  # Alembic's autogenerate has no renderer for it
            lines.append(f"op.rename_table({op.table_name!r}, {op.new_table_name!r})")
        elif isinstance(op, ModifyTableOps) and not context.opts["render_as_batch"]:
            for inner in op.ops:  # one after the other, each laid out on its own
                rendered = render_op_text(context, inner)
                cast = postgresql_cast(inner, plan.dialect)
                if cast is not None:  # Alembic renders no postgresql_using of its own
                    rendered = rendered[:-1] + f",\npostgresql_using={cast!r})"
                lines += _tidy(rendered).split("\n")
        elif isinstance(op, ModifyTableOps):
            # The with line, each operation's text, a blank line; the operations go inside.
            header, *texts, _ = render_op(context, op)
            convention = getattr(op, BATCH_CONVENTION, None)
            named = f", naming_convention={convention!r}" if convention else ""
            lines.append(header.replace(", schema=None) as batch_op:", f"{named}) as batch_op:"))
            for text in texts:
                lines += ["    " + line for line in _tidy(text).split("\n")]
            lines.append("")
        else:
            lines += _tidy(render_op_text(context, op)).split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _tidy(rendered: str) -> str:
    """Alembic's layout, closer to a person's: an argument on a line of its own is indented
    one level past its call, and the closing parenthesis lines up with the call. Alembic's
    ``# WARNING`` of an unnamed constraint is left out: the plan's ``# TODO`` says it."""
    rendered = re.sub(r"# WARNING: constraint name is None;.*\n.*\n.*naming\.html\n", "", rendered)
    tidied = []
    depth = 0
    statement_indent = 0
    for line in rendered.split("\n"):
        stripped = line.lstrip(" ")
        if depth == 0:
            statement_indent = len(line) - len(stripped)
            tidied.append(line)
        elif stripped.startswith(")") and depth + _paren_balance(stripped) == 0:
            tidied.append(" " * statement_indent + stripped)
        else:
            tidied.append(" " * (statement_indent + 4) + stripped)
        depth += _paren_balance(stripped)
    text = "\n".join(tidied)
    return re.sub(r"\], \),$", "]),", text, flags=re.MULTILINE)  # ForeignKeyConstraint(..., )


def _paren_balance(line: str) -> int:
    """Opened minus closed brackets of ``line``, those in string literals left out."""
    balance = 0
    quote = ""
    escaped = False
    for char in line:
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "([{":
            balance += 1
        elif char in ")]}":
            balance -= 1
    return balance


def _comment_lines(messages: list[str], prefix: str) -> list[str]:
    return [f"# {prefix}{message}" for message in messages]


def _unknown_tables_comment(tables: tuple[str, ...]) -> str:
    if not tables:
        return ""
    listed = textwrap.wrap(", ".join(tables), _WIDTH - 6)
    return (
        "# Tables of the database that no model describes, never dropped by --autogenerate:\n"
        + "".join(f"#     {line}\n" for line in listed)
        + "# To drop one, uncomment its op.drop_table() line in up(); down() does not bring\n"
        "# it back.\n\n"
    )


def _imports(collected: set[str], body: str) -> str:
    """The import block: what the body names, in isort's order."""
    imports = {*collected, "from sqlmodel import Session"}
    if re.search(r"\bsa\.", body):
        imports.add("import sqlalchemy as sa")
    if re.search(r"\bpostgresql\.", body):  # the enum types' own lines
        imports.add("from sqlalchemy.dialects import postgresql")
    plain = sorted((i for i in imports if i.startswith("import ")), key=_module_of)
    froms = sorted((i for i in imports if i.startswith("from ")), key=_module_of)
    return "\n".join(
        [
            *plain,
            *froms,
            "",
            "from flask_herogold_migrate import Migration, schema",
        ]
    )


def _module_of(statement: str) -> str:
    return statement.split()[1].lower()


def _indented(lines: list[str]) -> list[str]:
    """``lines`` in a method's body, long comments wrapped."""
    indented = []
    for line in lines:
        if line.startswith("# ") and len(line) > _WIDTH - len(_INDENT):
            wrapped = textwrap.wrap(line[2:], _WIDTH - len(_INDENT) - 2, subsequent_indent="    ")
            indented += [f"{_INDENT}# {part}" for part in wrapped]
        else:
            indented.append(_INDENT + line if line.strip() else "")
    return indented


def double_quoted(source: str) -> str:
    """``source`` with its single-quoted strings double-quoted, as the other files are.

    A string holding a double quote or a backslash keeps its quotes. Only the quote
    characters change, so every token keeps its place.
    """
    lines = source.split("\n")
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    for token in tokens:
        text = token.string
        if token.type != tokenize.STRING or not text.startswith("'") or text.startswith("'''"):
            continue
        if '"' in text or "\\" in text or token.start[0] != token.end[0]:
            continue
        row, start = token.start[0] - 1, token.start[1]
        line = lines[row]
        lines[row] = line[:start] + '"' + text[1:-1] + '"' + line[start + len(text) :]
    return "\n".join(lines)
