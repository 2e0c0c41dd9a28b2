"""Rerunning a chapter: its parameters checked before any kernel starts, and the executed chapter written as a
notebook and rendered as the book renders it, offline, with references and figure numbers as in the book."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cooccur import chapters, cli, parameters

pytest.importorskip("papermill")
pytest.importorskip("jupyter_book")


def test_a_bad_parameter_fails_before_any_kernel_starts(monkeypatch, capsys):
    import papermill

    started = []
    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **k: started.append(a))
    assert cli.main(["chapter", "experiments", "-p", "n_seeds", "-1", "--quick"]) == 2
    assert "parameter 'n_seeds' must be an integer in [1, 1000], got -1" in capsys.readouterr().err
    assert cli.main(["chapter", "experiments", "-p", "seeds", "2"]) == 2
    assert "has no parameter 'seeds'" in capsys.readouterr().err
    assert started == []


def test_help_lists_chapters_and_parameters_with_defaults():
    text = cli.build_parser()._subparsers._group_actions[0].choices["chapter"].format_help()
    for name in parameters.chapter_names():
        assert f"\n  {name}\n" in text
    assert re.search(r"n_seeds\s+default 10; integer in \[1, 1000\]", text)
    assert re.search(r"init\s+default 'kaiming'; one of theory, kaiming", text)


def test_the_stub_figures_image_is_a_valid_png():
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(chapters.pixel_png()))
    image.load()  # decodes the data: a broken stream raises here
    assert image.size == (1, 1)


def test_a_stub_keeps_a_chapters_labels_figures_and_statements_in_order():
    text = ("(chap-x)=\n# The {glue:text}`n` title\n\nProse with a number {glue:text}`n:.2f`.\n\n"
            "```{glue:figure} fig_a\n:name: fig-a\n\nA caption.\n```\n\n(sec-y)=\n## A section\n\n"
            "```{prf:lemma} Growth\n:label: lem-growth\n\nIt grows, {glue:text}`n` times.\n```\n\n"
            "```{glue:figure} fig_b\n\nNo name.\n```\n")
    out = chapters.stub(text)
    assert out.index("(chap-x)=\n# The … title") < out.index("not rerun") < out.index(":name: fig-a")
    assert out.index(":name: fig-a") < out.index("(sec-y)=\n## A section") < out.index(":label: lem-growth")
    assert "```{prf:lemma} Growth\n:label: lem-growth\n" in out and out.count("```{figure} stub.png") == 2
    assert "glue" not in out and "Prose" not in out and "A caption" not in out


@pytest.mark.slow
def test_rerun_experiments_with_three_seeds_writes_html_quoting_three(tmp_path):
    """The README's command. n_seeds = 3, not quick mode's own 2, so a value lost on the way would show."""
    env_cmd = [sys.executable, "-m", "cooccur", "chapter", "experiments", "-p", "n_seeds", "3", "--quick",
               "--out", str(tmp_path), "--no-progress"]
    done = subprocess.run(env_cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    page = tmp_path / "experiments-site" / "_build" / "html" / "book" / "experiments.html"
    assert str(page) in done.stdout and (tmp_path / "experiments.ipynb").exists()
    source = page.read_text()
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", source)))
    assert "for 3 seeds. Each seed draws" in text
    assert "Figure 1 over 3 seeds" in text
    assert "kept as passed in: n_seeds = 3" in text
    assert "{glue" not in text and "not glued" not in text
    assert len(re.findall(r'<img [^>]*src="\.\./_images/', source)) >= 5
    # references into chapters that were not rerun read as in the book: the section's title, not its label
    assert "chap-setup" not in text and "Setup: data, model and initialisation" in text
    assert not re.findall(r'src="(?:https?:)?//', source), "the page loads something from the network"
    assert_math_typeset_offline(page)


def assert_math_typeset_offline(page: Path) -> None:
    """Open the page in Chromium with every non-file request refused; MathJax must typeset its math."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    sync_api = pytest.importorskip("playwright.sync_api")
    if chromium is None:
        pytest.skip("no chromium on PATH")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        tab = browser.new_page()
        refused: list[str] = []
        tab.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                  else (refused.append(route.request.url), route.abort()))
        tab.goto(page.as_uri(), wait_until="load")
        tab.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20_000)
        tab.evaluate("() => MathJax.startup.promise")
        typeset = tab.locator("mjx-container").count()
        browser.close()
    assert typeset > 10 and not refused, (typeset, refused)


def test_a_chapters_kernel_runs_over_local_sockets_and_prints_no_warning(tmp_path, capfd):
    seconds = chapters.execute("reproducing", tmp_path / "reproducing.ipynb", {"quick": True})
    assert seconds > 0 and (tmp_path / "reproducing.ipynb").exists()
    printed = capfd.readouterr()
    assert "without encryption" not in printed.err + printed.out  # the kernel's TCP warning
