"""The book's Sphinx extension that makes a count of one singular (book/_ext/counts.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from docutils import nodes

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
import counts  # noqa: E402


def paragraph(*parts: nodes.Node) -> nodes.document:
    from docutils.frontend import get_default_settings
    from docutils.parsers.rst import Parser
    from docutils.utils import new_document

    doc = new_document("x", get_default_settings(Parser))
    doc += nodes.paragraph("", "", *parts)
    return doc


def test_a_glued_one_before_a_plural_makes_it_singular():
    doc = paragraph(nodes.Text("over "), nodes.inline("", "1"), nodes.Text(" seeds per width."))
    counts._make_singular(None, doc, "x")
    assert doc.astext() == "over 1 seed per width."


def test_other_counts_and_longer_numbers_keep_their_plural():
    doc = paragraph(nodes.Text("over "), nodes.inline("", "11"), nodes.Text(" seeds, 0.1 runs, 21 widths and "),
                    nodes.inline("", "3"), nodes.Text(" seeds"))
    counts._make_singular(None, doc, "x")
    assert doc.astext() == "over 11 seeds, 0.1 runs, 21 widths and 3 seeds"


def test_a_one_inside_the_text_and_code_is_left_alone():
    assert counts.singular("the mean over 1 seeds, 1 runs") == "the mean over 1 seed, 1 run"
    doc = paragraph(nodes.literal("", "1 seeds"))
    counts._make_singular(None, doc, "x")
    assert doc.astext() == "1 seeds"


def test_an_images_text_alternative_is_made_singular_too():
    doc = paragraph(nodes.image("", uri="x.png", alt="the mean over 1 seeds, 10 runs"))
    counts._make_singular(None, doc, "x")
    assert next(iter(doc.findall(nodes.image)))["alt"] == "the mean over 1 seed, 10 runs"
