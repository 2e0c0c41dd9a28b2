"""Sphinx extension: drop repeated <script> entries from each HTML page.

With Sphinx 7.4, sphinx-thebe's inline configuration script (``const THEBE_JS_URL = ...``) reaches every page
twice, and a browser then reports "Identifier 'THEBE_JS_URL' has already been declared". Keeping the first of
identical scripts (same file, or both inline with the same body, and the same attributes) removes the error and
changes nothing else.
"""

from __future__ import annotations


def _dedupe(app, pagename, templatename, context, doctree):  # noqa: ARG001 (Sphinx's event signature)
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {}) or {}
        # an inline script's filename is None in one copy and "" in the other: both mean "no file"
        filename = getattr(script, "filename", script) or ""
        key = (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _dedupe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
