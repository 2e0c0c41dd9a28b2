"""Every chapter executes with papermill in quick mode (a smoke test; the published book is never quick)."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "book").glob("*.py"))

jupytext = pytest.importorskip("jupytext")
papermill = pytest.importorskip("papermill")
from cooccur.chapters import execute  # noqa: E402


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_chapter_runs_in_quick_mode(chapter, tmp_path, monkeypatch):
    monkeypatch.setenv("COOCCUR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("COOCCUR_STRICT_FIGURES", "1")  # a figure whose texts collide or legend hides data fails
    notebook = jupytext.read(chapter)
    tags = [cell.metadata.get("tags", []) for cell in notebook.cells]
    assert any("parameters" in t for t in tags), "a chapter needs a cell tagged 'parameters'"
    out = tmp_path / f"{chapter.stem}.ipynb"
    execute(chapter, out, {"quick": True})
    text = out.read_text()
    assert "Quick mode" in text
    assert '"output_type": "error"' not in text


def _first_failing_code_cell(path: Path) -> tuple[int, str]:
    import nbformat

    nb = nbformat.read(path, 4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    for index, cell in enumerate(code):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                tags = [c.metadata.get("tags", []) for c in code[:index]]
                return index - sum(1 for t in tags if "parameters" in t or "injected-parameters" in t), output["evalue"]
    raise AssertionError("no cell failed")


@pytest.mark.parametrize(
    ("chapter", "parameters", "named"),
    [(c, {"quick": "yes"}, "quick") for c in CHAPTERS]
    + [
        (ROOT / "book" / "phase1.py", {"n_seeds": 0}, "n_seeds"),
        (ROOT / "book" / "phase2.py", {"lengths": [2, 5]}, "lengths"),
    ],
    ids=[c.stem for c in CHAPTERS] + ["phase1-range", "phase2-range"],
)
def test_bad_parameters_fail_at_the_first_cell(chapter, parameters, named, tmp_path):
    out = tmp_path / f"{chapter.stem}.ipynb"
    with pytest.raises(papermill.PapermillExecutionError, match=f"parameter '{named}'"):
        execute(chapter, out, parameters)
    index, message = _first_failing_code_cell(out)
    assert index == 0, f"failed at code cell {index}, not the first after the parameters: {message}"
    assert named in message
