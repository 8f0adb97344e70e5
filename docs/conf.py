"""Sphinx configuration of the flask-herogold-migrate documentation."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))  # flask_cli, the group of Flask commands cli.rst documents
sys.path.insert(0, str(HERE.parent))  # the package, and example_app for literalinclude paths

import flask_herogold_migrate  # noqa: E402

project = "flask-herogold-migrate"
author = "flask-herogold-migrate developers"
copyright = "flask-herogold-migrate developers"
release = flask_herogold_migrate.__version__
version = ".".join(release.split(".")[:2])

extensions = ["sphinx.ext.autodoc", "sphinx_click", "pallets_sphinx_themes"]
exclude_patterns = ["_build"]
default_role = "code"
highlight_language = "python"

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True}

# The Pallets theme, as Flask's and Flask-SQLAlchemy's documentation use.
html_theme = "flask"
html_title = f"flask-herogold-migrate {release}"
html_theme_options = {"index_sidebar_logo": False}
html_sidebars = {
    "index": ["localtoc.html", "searchbox.html"],
    "**": ["localtoc.html", "relations.html", "searchbox.html"],
}
html_show_sourcelink = False
# The banner asks PyPI, from the reader's browser, whether a newer release exists.
version_banner = False
