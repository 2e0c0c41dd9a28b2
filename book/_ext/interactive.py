"""Sphinx extension: the book's interactive figures work offline.

A chapter glues a Plotly figure as HTML that calls ``Plotly.newPlot`` (:func:`cooccur.report.glue_interactive`)
but does not carry plotly.js. This extension copies plotly.js from the installed ``plotly`` package into the
build's ``_static`` and loads it, in the page's head, on the pages that show such a figure, and on no other: no
page fetches anything from the network.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from docutils import nodes

SCRIPT = "plotly.min.js"
#: The class Plotly gives the element it draws into.
MARKER = "plotly-graph-div"


def plotly_js() -> Path:
    """plotly.js as the installed ``plotly`` package ships it."""
    import plotly

    return Path(plotly.__file__).parent / "package_data" / SCRIPT


def _load_where_shown(app, pagename, templatename, context, doctree):  # noqa: ARG001 (Sphinx's event signature)
    if doctree is not None and any(MARKER in node.astext() for node in doctree.findall(nodes.raw)):
        app.add_js_file(SCRIPT, priority=200)  # in this page's head, before the figures' inline scripts


def _ship(app, exception):
    if exception is None and app.builder.format == "html":
        static = Path(app.outdir) / "_static"
        static.mkdir(parents=True, exist_ok=True)
        shutil.copy(plotly_js(), static / SCRIPT)


def setup(app):
    app.connect("html-page-context", _load_where_shown)
    app.connect("build-finished", _ship)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
