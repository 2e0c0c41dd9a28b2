"""Sphinx extension: a count of one reads in the singular.

The prose writes "{glue:text}`n_seeds` seeds", and a rerun with one seed (or quick mode) glues 1 there. After
the glued values are in place, a noun of :data:`SINGULAR` right after a standalone 1, in the same text or in the
text that follows a glued 1, loses its plural: "1 seeds" reads "1 seed" (in an image's text alternative too).
"""

from __future__ import annotations

import re

from docutils import nodes

#: The plural nouns the book counts, and their singular.
SINGULAR = {"seeds": "seed", "runs": "run", "widths": "width", "lengths": "length", "points": "point",
            "samples": "sample", "statements": "statement", "iterations": "iteration", "words": "word",
            "decades": "decade", "steps": "step", "starts": "start", "cells": "cell"}
_NOUN = "|".join(SINGULAR)
#: "1 seeds" inside one text (a 1 not part of a longer number, "0.1" or "-1").
_INSIDE = re.compile(rf"(?<![\d.,\-−])\b1 ({_NOUN})\b")
#: A text that opens with the noun, after a glued value.
_OPENING = re.compile(rf"^(\s+)({_NOUN})\b")
#: A glued value that ends in a standalone 1.
_ENDS_IN_ONE = re.compile(r"(?:^|[^\d.,\-−])1$")


def singular(text: str) -> str:
    """``text`` with every "1 <plural>" of :data:`SINGULAR` made singular."""
    return _INSIDE.sub(lambda m: f"1 {SINGULAR[m.group(1)]}", text)


def _previous_text(node: nodes.Node) -> str:
    """The text just before ``node`` in its paragraph: its previous sibling's, if any."""
    parent = node.parent
    index = parent.index(node)
    return parent[index - 1].astext() if index > 0 else ""


def _make_singular(app, doctree, docname) -> None:
    for text in list(doctree.findall(nodes.Text)):
        if isinstance(text.parent, (nodes.literal, nodes.literal_block, nodes.math, nodes.math_block)):
            continue
        new = singular(str(text))
        opening = _OPENING.match(new)
        if opening and _ENDS_IN_ONE.search(_previous_text(text)):
            new = opening.group(1) + SINGULAR[opening.group(2)] + new[opening.end():]
        if new != str(text):
            text.parent.replace(text, nodes.Text(new))
    for image in doctree.findall(nodes.image):  # a figure's text alternative, read from its caption
        if image.get("alt"):
            image["alt"] = singular(image["alt"])


def setup(app):
    app.connect("doctree-resolved", _make_singular)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
