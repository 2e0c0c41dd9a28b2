"""The conda environment and the pip project pin the same versions."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def pins(requirements: list[str]) -> dict[str, str]:
    out = {}
    for req in requirements:
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", req.strip())
        assert match, f"not pinned with ==: {req!r}"
        out[match[1].lower().replace("_", "-")] = match[2]
    return out


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    from_pyproject = pins(
        project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    )
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(item["pip"] for item in env["dependencies"] if isinstance(item, dict))
    from_env = pins([r for r in pip_section if not r.startswith("-e")])
    assert from_env == from_pyproject
    assert "python=3.11" in env["dependencies"]
    assert from_pyproject["torch"] == "2.13.0"
    major = int(from_pyproject["jupyter-book"].split(".")[0])
    assert major == 1


def test_citation_file_names_this_version_and_the_paper():
    import re

    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    for key in ("cff-version", "message", "title", "authors", "version"):
        assert citation.get(key), key
    assert citation["version"] == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    (paper,) = citation["references"]
    bib = (ROOT / "references.bib").read_text()
    entry = bib[bib.index("@inproceedings{yang2024cooccurrence"):].split("\n}\n")[0]
    assert re.search(r"title\s*=\s*\{\{?" + re.escape(paper["title"]) + r"\}\}?", entry)  # {{...}} keeps its capitals
    assert [a["family-names"] for a in paper["authors"]] == ["Yang", "Kailkhura", "Wang", "Liang"]
    assert str(paper["year"]) in entry and paper["identifiers"][0]["value"] in entry
