"""``.. click-commands::``: a reference of Click commands, read from the commands themselves.

Usage::

    .. click-commands:: flask_herogold_migrate.__main__:main
       :prog: herogold-migrate

The argument names a :class:`click.Group`, or a callable returning one. Each command becomes a
section with its help text, its usage line and its parameters, exactly as ``--help`` would
show them, so the reference cannot drift from the code.
"""

from __future__ import annotations

import importlib
from typing import Any

import click
from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective


def _load(target: str) -> click.Group:
    module_name, _, attribute = target.partition(":")
    value: Any = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(value, click.Command) and callable(value):
        value = value()
    if not isinstance(value, click.Group):
        raise TypeError(f"{target} is not a click.Group (nor returns one)")
    return value


def _paragraphs(text: str) -> list[nodes.Node]:
    blocks = [block.strip() for block in (text or "").split("\n\n")]
    return [nodes.paragraph(text=" ".join(block.split())) for block in blocks if block]


class ClickCommands(SphinxDirective):
    required_arguments = 1
    option_spec = {"prog": directives.unchanged_required}

    def run(self) -> list[nodes.Node]:
        group = _load(self.arguments[0])
        prog = self.options.get("prog", group.name or "")
        slug = nodes.make_id(prog)
        parent = click.Context(group, info_name=prog)
        result: list[nodes.Node] = []
        for name in group.list_commands(parent):
            command = group.get_command(parent, name)
            if command is None or command.hidden:
                continue
            ctx = click.Context(command, info_name=name, parent=parent)
            section = nodes.section(ids=[f"{slug}-{nodes.make_id(name)}"])
            section += nodes.title(text=f"{prog} {name}")
            section.extend(_paragraphs(command.help or ""))
            usage = command.get_usage(ctx).removeprefix("Usage: ")
            section += nodes.literal_block(usage, usage, language="text")
            section += self._parameters(command, ctx)
            result.append(section)
        return result

    def _parameters(self, command: click.Command, ctx: click.Context) -> nodes.Node:
        items = nodes.definition_list()
        for param in command.get_params(ctx):
            if isinstance(param, click.Argument):
                term = param.human_readable_name
                help_text = "Argument" + (", required." if param.required else ".")
            else:
                record = param.get_help_record(ctx)
                if record is None:  # hidden options
                    continue
                term, help_text = record
            item = nodes.definition_list_item()
            item += nodes.term("", "", nodes.literal(text=term))
            definition = nodes.definition()
            definition += nodes.paragraph(text=help_text)
            item += definition
            items += item
        return items


def flask_commands() -> click.Group:
    """The ``flask migrate*`` commands, as an app using :class:`HerogoldMigrate` gets them."""
    from flask import Flask

    from flask_herogold_migrate import HerogoldMigrate

    app = Flask("docs")
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    HerogoldMigrate(app)
    group = click.Group("flask")
    for name, command in sorted(app.cli.commands.items()):
        if name.startswith("migrate"):
            group.add_command(command, name)
    return group


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("click-commands", ClickCommands)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
