"""The ``flask migrate*`` commands as one Click group, for sphinx-click to document.

Not a Sphinx extension: ``.. click:: flask_cli:flask`` in ``cli.rst`` reads the group below.
The extension adds its commands to an app's ``flask`` command, not to a group of its own, so
the group is made here from the commands an app using :class:`HerogoldMigrate` gets, the way
``flask`` itself would find them.
"""

from __future__ import annotations

import click
from flask import Flask

from flask_herogold_migrate import HerogoldMigrate


def _app_commands() -> click.Group:
    app = Flask("docs")
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    HerogoldMigrate(app)
    group = click.Group(
        "flask",
        # Read as reStructuredText by sphinx-click, unlike the commands' own help.
        help="The commands ``HerogoldMigrate`` adds to an app's ``flask`` command. Name the "
        "app as for any ``flask`` command, with ``--app`` or ``FLASK_APP``.",
    )
    for name, command in sorted(app.cli.commands.items()):
        if name.startswith("migrate"):
            group.add_command(command, name)
    return group


flask = _app_commands()
