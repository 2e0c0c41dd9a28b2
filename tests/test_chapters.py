"""Rerunning a chapter: its parameters read from its own source, values checked before any kernel starts, and
the executed chapter written as a notebook and a standalone HTML page with the glued numbers resolved."""

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
pytest.importorskip("nbconvert")


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


def test_myst_markup_becomes_plain_markdown():
    glue = {"n": {"text/plain": "3"}, "x": {"text/plain": "0.123456"}, "fig": {"image/png": "iVBORw0KGgo=\n"}}
    text = ("(sec-a)=\n## A\n\nWe ran {glue:text}`n` seeds; x = {glue:text}`x:.2f`, see {numref}`fig-b` and "
            "{ref}`chap-phase1`, {ref}`the setup <chap-setup>` {cite}`yang2024cooccurrence`.\n\n"
            "```{glue:figure} fig\n:name: fig-b\n\nThe caption.\n```\n\n"
            "```{prf:theorem} Phase 1\n:label: thm-x\n\nIt holds.\n```\n")
    out = chapters.myst_to_markdown(text, glue, {"fig-b": 2})
    assert "We ran 3 seeds; x = 0.12, see Figure 2 and *phase1*, *the setup* [yang2024cooccurrence]." in out
    assert "![Figure 2](data:image/png;base64,iVBORw0KGgo=)\n\n*Figure 2.* The caption." in out
    assert "> **Theorem (Phase 1).** It holds." in out
    assert "(sec-a)=" not in out and "{" not in out.replace("{glue", "")


@pytest.mark.slow
def test_rerun_experiments_with_three_seeds_writes_html_quoting_three(tmp_path):
    """The README's command. n_seeds = 3, not quick mode's own 2, so a value lost on the way would show."""
    env_cmd = [sys.executable, "-m", "cooccur", "chapter", "experiments", "-p", "n_seeds", "3", "--quick",
               "--out", str(tmp_path), "--no-progress"]
    done = subprocess.run(env_cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    page = tmp_path / "experiments.html"
    assert str(page) in done.stdout and (tmp_path / "experiments.ipynb").exists()
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.read_text())))
    assert "for 3 seeds. Each seed draws" in text
    assert "Figure 1 over 3 seeds" in text
    assert "kept as passed in: n_seeds = 3" in text
    assert "{glue" not in text and "not glued" not in text
    assert page.read_text().count("data:image/png;base64,") >= 5
    # math is typeset offline: MathJax 3 from a copy next to the page, configured for $...$, no CDN
    source = page.read_text()
    assert (tmp_path / chapters.MATHJAX).exists() and f'<script src="{chapters.MATHJAX}">' in source
    assert "window.MathJax = {tex:" in source and "$\\mu_" in source
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
