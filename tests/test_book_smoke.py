"""Every chapter executes with papermill in quick mode (a smoke test; the published book is never quick)."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "book").glob("*.py"))

jupytext = pytest.importorskip("jupytext")
papermill = pytest.importorskip("papermill")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_chapter_runs_in_quick_mode(chapter, tmp_path, monkeypatch):
    monkeypatch.setenv("COOCCUR_CACHE_DIR", str(tmp_path / "cache"))
    notebook = jupytext.read(chapter)
    tags = [cell.metadata.get("tags", []) for cell in notebook.cells]
    assert any("parameters" in t for t in tags), "a chapter needs a cell tagged 'parameters'"
    out = tmp_path / f"{chapter.stem}.ipynb"
    papermill.execute_notebook(
        notebook,
        str(out),
        parameters={"quick": True},
        kernel_name="python3",
        cwd=str(chapter.parent),
        progress_bar=False,
    )
    text = out.read_text()
    assert "Quick mode" in text
    assert '"output_type": "error"' not in text
