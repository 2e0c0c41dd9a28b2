"""The book's citations link out, and the bibliography is labelled the way the text cites.

* every entry of references.bib has a link: a ``doi``, an ``https`` ``url``, or an arXiv ``eprint``;
  identifiers have the right shape, and a ``note = {arXiv:...}`` names the same preprint as ``eprint``;
* every key a chapter cites is in references.bib, and every entry is cited;
* the bibliography uses the ``author_year`` pybtex style of book/_ext/bib_author_year.py, whose labels
  ("Yang et al., 2024") are what ``bibtex_reference_style: author_year`` prints in the text, and whose
  entries carry their links as ``<a href="https://...">``.
"""

import importlib.util
import re
from pathlib import Path

import pytest
from pybtex.database import parse_file
from pybtex.plugin import find_plugin

ROOT = Path(__file__).resolve().parents[1]
BIB = ROOT / "references.bib"
STYLE = "author_year"

DOI = re.compile(r"10\.\d{4,9}/\S+")
ARXIV_NEW = re.compile(r"\d{4}\.\d{4,5}(v\d+)?")  # 2410.09605, 2410.09605v2
ARXIV_OLD = re.compile(r"[a-z\-]+(\.[A-Z]{2})?/\d{7}(v\d+)?")  # math.PR/0601001
CITE = re.compile(r"\{(?:foot)?cite(?::[a-z]+)?\}`([^`]+)`")  # MyST roles: {cite}`a,b`, {cite:t}`a`

ENTRIES = parse_file(str(BIB), bib_format="bibtex").entries


def is_arxiv(fields) -> bool:
    return fields.get("archiveprefix", "").lower() == "arxiv" and bool(fields.get("eprint", "").strip())


def cited_keys() -> dict[str, set[str]]:
    """Every cited key, with the book files that cite it (chapters are jupytext .py files or .md pages)."""
    cited: dict[str, set[str]] = {}
    for path in sorted((ROOT / "book").glob("*.py")) + sorted((ROOT / "book").glob("*.md")):
        for keys in CITE.findall(path.read_text()):
            for key in keys.split(","):
                cited.setdefault(key.strip(), set()).add(path.name)
    return cited


def load_style():
    spec = importlib.util.spec_from_file_location("bib_author_year", ROOT / "book" / "_ext" / "bib_author_year.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.setup(app=None)
    return module


def test_the_bibliography_has_entries():
    assert ENTRIES, BIB


@pytest.mark.parametrize("key", list(ENTRIES))
def test_every_entry_links_out(key):
    fields = ENTRIES[key].fields
    assert fields.get("doi") or fields.get("url") or is_arxiv(fields), f"{key}: no doi, url or arXiv eprint"
    if fields.get("url"):
        assert fields["url"].startswith("https://"), f"{key}: url {fields['url']!r} is not https"


@pytest.mark.parametrize("key", list(ENTRIES))
def test_identifiers_look_right(key):
    fields = ENTRIES[key].fields
    if fields.get("doi"):
        assert DOI.fullmatch(fields["doi"]), f"{key}: doi {fields['doi']!r} (give the bare 10.xxxx/..., no https)"
    if fields.get("eprint") or fields.get("archiveprefix"):
        assert is_arxiv(fields), f"{key}: eprint needs archiveprefix = {{arXiv}} (the only kind the book uses)"
        eprint = fields["eprint"]
        assert ARXIV_NEW.fullmatch(eprint) or ARXIV_OLD.fullmatch(eprint), f"{key}: arXiv id {eprint!r}"
    for named in re.findall(r"arXiv:(\S+?)\.?(?:\s|$)", fields.get("note", "") + " "):
        assert is_arxiv(fields) and named == fields["eprint"], f"{key}: note names arXiv:{named}, eprint differs"


def test_every_cited_key_is_in_the_bibliography():
    cited = cited_keys()
    assert cited, "no {cite}`...` found under book/"
    missing = {key: sorted(files) for key, files in cited.items() if key not in ENTRIES}
    assert not missing, f"cited but not in references.bib: {missing}"


def test_every_entry_is_cited():
    assert not set(ENTRIES) - set(cited_keys()), "in references.bib but cited nowhere in book/"


def test_the_bibliography_uses_the_author_year_style():
    config = (ROOT / "_config.yml").read_text()

    def setting(name: str) -> list[str]:
        return re.findall(rf"^\s*{name}:\s*(\S+)", config, flags=re.M)

    assert setting("bibtex_reference_style") == ["author_year"]
    assert setting("bibtex_default_style") == [STYLE]
    assert setting("bib_author_year") == ["book/_ext"], "the local extension that registers the style"
    page = (ROOT / "book" / "references.md").read_text()
    assert "{bibliography}" in page
    # the page may not pick another style for its bibliography
    assert set(re.findall(r"^:style:\s*(\S+)", page, flags=re.M)) <= {STYLE}


def test_labels_read_like_the_in_text_citations():
    load_style()
    style = find_plugin("pybtex.style.formatting", STYLE)()
    formatted = {entry.key: entry for entry in style.format_bibliography(parse_file(str(BIB)))}
    assert formatted["yang2024cooccurrence"].label == "Yang et al., 2024"
    for key, entry in ENTRIES.items():
        last = [" ".join(p.prelast_names + p.last_names) for p in entry.persons["author"]]
        who = {1: last[0], 2: f"{last[0]} and {last[-1]}"}.get(len(last), f"{last[0]} et al.")
        assert re.fullmatch(re.escape(f"{who}, {entry.fields['year']}") + "[a-z]?", formatted[key].label), key


def test_entries_render_their_links():
    load_style()
    style = find_plugin("pybtex.style.formatting", STYLE)()
    backend = find_plugin("pybtex.backends", "html")()
    for entry in style.format_bibliography(parse_file(str(BIB))):
        fields = ENTRIES[entry.key].fields
        html = entry.text.render(backend)
        hrefs = re.findall(r'<a href="([^"]+)"', html)
        assert hrefs and all(h.startswith("https://") for h in hrefs), (entry.key, hrefs)
        if fields.get("url"):
            assert fields["url"] in hrefs, entry.key
        if fields.get("doi"):
            assert f"https://doi.org/{fields['doi']}" in hrefs, entry.key
        if is_arxiv(fields):
            assert f"https://arxiv.org/abs/{fields['eprint']}" in hrefs, entry.key
            plain = entry.text.render_as("text")
            assert plain.count(f"arXiv:{fields['eprint']}") == 1, f"{entry.key}: arXiv id shown twice"
