"""Sphinx extension: the bibliography is labelled author-year, like the citations in the text.

``bibtex_reference_style: author_year`` makes a citation read "[Yang *et al.*, 2024]", but sphinxcontrib-bibtex
still labels each bibliography entry with its pybtex style's label ("[YKWL24]" with the default ``alpha``): its
docs say author_year "does not remove labels from bibliographies", as every docutils citation needs a label.
This registers, as its "Custom Formatting, Sorting, and Labelling" section shows, a pybtex formatting style
``author_year``: pybtex's ``plain`` (sorted by author, year, title; ``url``, ``eprint`` and ``doi`` as links)
whose labels are "Yang et al., 2024", "Tian et al., 2023", made as the in-text citations are made (last names,
"and" between two, "et al." after the first of three or more, a comma, the year; "2024a", "2024b" if two agree).
``_config.yml`` selects it with ``bibtex_default_style: author_year``.

A ``note`` that only repeats the arXiv identifier (``arXiv:2410.09605`` beside ``eprint = {2410.09605}``) is left
out: the ``eprint`` link already shows it. The note stays in ``references.bib`` for BibTeX styles that ignore
``eprint``, and CITATION.cff's identifier is checked against it.
"""

from __future__ import annotations

from collections import Counter

from pybtex.database import Entry
from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle

STYLE = "author_year"


def _last_name(person) -> str:
    return Text.from_latex(" ".join(person.prelast_names + person.last_names)).render_as("text")


class AuthorYearLabelStyle(BaseLabelStyle):
    """Labels "Last", "Last and Other", or "Last et al.", then ", year"."""

    def format_label(self, entry) -> str:
        persons = entry.persons.get("author") or entry.persons.get("editor") or []
        names = [_last_name(person) for person in persons]
        if not names:
            who = Text.from_latex(entry.fields.get("title", entry.key)).render_as("text")
        elif len(names) == 1:
            who = names[0]
        elif len(names) == 2:
            who = f"{names[0]} and {names[1]}"
        else:
            who = f"{names[0]} et al."
        year = entry.fields.get("year", "")
        return f"{who}, {year}" if year else who

    def format_labels(self, sorted_entries):
        labels = [self.format_label(entry) for entry in sorted_entries]
        count, seen = Counter(labels), Counter()
        for label in labels:
            if count[label] == 1:
                yield label
            else:
                yield label + chr(ord("a") + seen[label])
                seen[label] += 1


class AuthorYearStyle(PlainStyle):
    default_label_style = AuthorYearLabelStyle

    def format_entry(self, label, entry, bib_data=None):
        eprint = entry.fields.get("eprint", "").strip()
        if eprint and entry.fields.get("note", "").strip().lower() == f"arxiv:{eprint}".lower():
            fields = {name: value for name, value in entry.fields.items() if name.lower() != "note"}
            trimmed = Entry(entry.type, fields=fields, persons=entry.persons)
            trimmed.key = entry.key
            entry = trimmed
        return super().format_entry(label, entry, bib_data=bib_data)


def setup(app):
    register_plugin("pybtex.style.labels", STYLE, AuthorYearLabelStyle, force=True)
    register_plugin("pybtex.style.formatting", STYLE, AuthorYearStyle, force=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
