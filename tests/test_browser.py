"""The built book in a real browser: Playwright driving the system's Chromium (no browser download).

Serves ``_build/html`` on 127.0.0.1 and opens every page of the table of contents. On each page: no console
errors (except the two the theme itself produces on a clean build), every image loaded, no figure text under
8 pt as shown, a figure before the first code cell, math typeset by the bundled MathJax, theorem boxes where the
chapter states results, a sidebar that reaches every chapter, and a working download link for the executed
notebook. A full-page screenshot of each page is saved under
``_build/screenshots`` (light and dark, wide and narrow: ``<chapter>-<view>.png``).

Skipped when the HTML has not been built (``make test`` runs before ``make book``); ``make check-html`` runs it
after the build. Outside CI it is also skipped when no Chromium is installed; in CI a missing browser fails.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import threading
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: Console messages a clean build produces by itself (the theme): allowed, everything else fails.
ALLOWED_CONSOLE = ("favicon.ico", "Got invalid theme mode")
#: Numbered statements (sphinx-proof) each chapter must show.
STATEMENTS = {"phase1": 4, "phase2": 2, "balancing": 1}
#: Smallest text (CSS points) a figure may show at the wide view, once the browser has scaled it to the column.
MIN_TEXT_PT = 8.0
#: Pages with code that need not open with a figure: the how-to page (its code lists versions and times).
NO_OPENING_FIGURE = {"reproducing"}

if not (HTML / "index.html").exists():
    pytest.skip("the book has not been built (_build/html is absent): run `make book` first", allow_module_level=True)
if CHROMIUM is None:
    if os.environ.get("CI"):
        raise RuntimeError("no chromium on PATH: .ci/run installs Debian's chromium package")
    pytest.skip("no chromium on PATH: install Debian's `chromium` to run the browser test", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


def toc_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [toc["root"], *(entry["file"] for entry in toc["chapters"])]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def base_url():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(HTML)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        args = [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ]
        b = p.chromium.launch(executable_path=CHROMIUM, args=args)
        yield b
        b.close()


def plain_words(text: str) -> list[str]:
    """The words of ``text`` made of letters only (math, typeset or not, left out): a figure's alt text has nearly
    all of its caption's."""
    return [w.rstrip(".,;:") for w in text.split() if re.fullmatch(r"[A-Za-z]+[.,;:]?", w)]


@pytest.mark.parametrize("page_name", toc_pages())
def test_page_renders(browser, base_url, page_name):
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(f"console {m.type}: {m.text} ({m.location.get('url')})") if m.type == "error" else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    response = page.goto(f"{base_url}/{page_name}.html", wait_until="networkidle")
    assert response is not None and response.ok, f"{page_name}: HTTP {response.status if response else 'none'}"
    has_math = page.locator(".math").count() > 0
    if has_math:  # MathJax is only loaded on pages with math
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20_000)
        page.evaluate("() => MathJax.startup.promise")

    # console: nothing but the theme's own messages
    unexpected = [p for p in problems if not any(allowed in p for allowed in ALLOWED_CONSOLE)]
    assert not unexpected, unexpected

    # every image loaded with a real size
    images = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.src, i.complete, i.naturalWidth])")
    broken = [src for src, complete, width in images if not complete or width == 0]
    assert not broken, f"images not loaded: {broken}"
    chapter = page_name.split("/")[-1]
    assert_figures_legible(page, chapter)

    # each figure reads out its caption (not a file name) and opens at full size when tapped
    figures = page.eval_on_selector_all("main figure img", """imgs => imgs.map(i => [
        i.src, i.alt, i.closest("a") ? i.closest("a").href : null,
        i.closest("figure").querySelector(".caption-text")?.textContent ?? ""])""")
    for src, alt, href, caption in figures:
        name = src.rsplit("/", 1)[-1]
        assert alt and not alt.endswith(".png"), f"{chapter}: {name} has the alt text {alt!r}"
        words, said = plain_words(caption), set(plain_words(alt))
        assert words and sum(w in said for w in words) >= 0.9 * len(words), f"{chapter}: {name}: alt {alt[:40]!r}"
        assert href == src, f"{chapter}: {name} links to {href}, not to itself at full size"

    assert_tables_fit(page, f"{chapter} (wide)")

    # the parameters cell is folded: its code is out of view until the reader opens it
    parameters = page.locator("main div.cell.tag_parameters div.cell_input")
    if parameters.count():
        assert not parameters.first.is_visible(), f"{chapter}: the parameters cell is not folded"

    # a chapter with code opens with its claim and the figure that answers it: a figure before the first code cell
    if chapter not in NO_OPENING_FIGURE:
        order = page.evaluate("""() => {
            const figure = document.querySelector("main img");
            const code = document.querySelector("main div.cell_input");
            if (!code) return "ok";
            if (!figure) return "code and no figure";
            return figure.compareDocumentPosition(code) & Node.DOCUMENT_POSITION_FOLLOWING ? "ok" : "code first";
        }""")
        assert order == "ok", f"{chapter}: {order}"

    # math typeset: no raw TeX delimiters left, and MathJax output present where the page has math
    text = page.inner_text("main")
    assert "$$" not in text and "\\(" not in text and "\\[" not in text
    # no progress bar or warning of a run leaked into the page
    assert "it/s]" not in text and "s/it]" not in text and "Warning:" not in text, chapter
    if has_math:
        assert page.locator("mjx-container").count() > 0

    # numbered statements
    boxes = page.locator("div.proof.theorem, div.proof.lemma").count()
    assert boxes >= STATEMENTS.get(chapter, 0), f"{chapter}: {boxes} theorem boxes"

    # the sidebar reaches every chapter
    links = page.eval_on_selector_all("nav.bd-docs-nav a", "as => as.map(a => a.href)")
    for other in toc_pages():
        stem = other.split("/")[-1]
        assert page_name == other or any(link.split("#")[0].endswith(f"{stem}.html") for link in links), stem

    # the executed notebook downloads, with its outputs
    source = HTML / "_sources" / f"{page_name}.ipynb"
    if source.exists():
        link = page.locator(f'a[href$="_sources/{page_name}.ipynb"]').first
        href = link.get_attribute("href")
        assert href, "no download link for the notebook"
        got = page.request.get(f"{base_url}/{page_name.rsplit('/', 1)[0]}/{href}")
        assert got.ok
        notebook = json.loads(got.text())
        assert any(cell.get("outputs") for cell in notebook["cells"] if cell["cell_type"] == "code")

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{chapter}-wide-light.png"), full_page=True)
    context.close()


def assert_tables_fit(page, where: str) -> None:
    """No table is wider than the box it sits in (the theme's scrolling container, or the text column)."""
    wide = page.eval_on_selector_all("main table", """ts => ts.map(t => {
        const box = t.closest(".pst-scrollable-table-container") || t.parentElement;
        return [t.getBoundingClientRect().width, box.getBoundingClientRect().width,
                (t.querySelector("th, td")?.textContent || "").trim().slice(0, 40)];
    }).filter(([w, b]) => w > b + 1)""")
    assert not wide, f"{where}: tables wider than their box (table px, box px, first cell): {wide}"


def assert_figures_legible(page, chapter: str) -> None:
    """Every figure's smallest text as shown, in CSS points. A font of f points (from the PNG's metadata, written
    by ``cooccur.plots.png_bytes``) is f * dpi / 72 pixels of the PNG; the browser scales the PNG by shown width /
    pixel width; a CSS point is 96/72 CSS pixels: f * dpi / 96 * scale. Fails under :data:`MIN_TEXT_PT`."""
    import io

    from PIL import Image

    shown = page.eval_on_selector_all(
        "main img", "imgs => imgs.map(i => [i.src, i.naturalWidth, i.getBoundingClientRect().width])"
    )
    small = []
    for src, natural, width in shown:
        with Image.open(io.BytesIO(page.request.get(src).body())) as source:
            info = dict(source.info)
        assert "cooccur-min-font-pt" in info, f"{chapter}: {src} carries no font metadata"
        font_pt, dpi = float(info["cooccur-min-font-pt"]), float(info["cooccur-dpi"])
        text_pt = font_pt * dpi / 96 * width / natural
        if text_pt < MIN_TEXT_PT:
            small.append(f"{src.rsplit('/', 1)[-1]}: {font_pt:g} pt at {width:.0f}/{natural} px = {text_pt:.1f} pt")
    assert not small, f"{chapter}: text under {MIN_TEXT_PT} pt: {small}"


#: (name, viewport width, colour scheme) of the other views every page is checked and photographed in.
VIEWS = [("wide-dark", 1300, "dark"), ("narrow-light", 390, "light"), ("narrow-dark", 390, "dark")]


@pytest.mark.parametrize("page_name", toc_pages())
def test_page_in_dark_theme_and_narrow_viewport(browser, base_url, page_name):
    """Dark theme: figures keep a light background. Narrow (phone) viewport: the text does not scroll sideways
    (tables and code may scroll inside their own boxes). A full-page screenshot of each view."""
    import io

    from PIL import Image

    chapter = page_name.split("/")[-1]
    SHOTS.mkdir(parents=True, exist_ok=True)
    for view, width, scheme in VIEWS:
        context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
        page = context.new_page()
        page.goto(f"{base_url}/{page_name}.html", wait_until="networkidle")
        # the theme settles its colour scheme once its scripts ran (later on a page that loads plotly.js)
        page.wait_for_function(f"() => document.documentElement.dataset.theme === '{scheme}'", timeout=10_000)
        scroll, client = page.evaluate("() => [document.documentElement.scrollWidth, "
                                       "document.documentElement.clientWidth]")
        assert scroll <= client + 1, f"{chapter} ({view}): the page scrolls sideways ({scroll} > {client} px)"
        assert_tables_fit(page, f"{chapter} ({view})")
        # each figure is shown as drawn (no dimming filter) and is drawn on a light background
        shown = page.eval_on_selector_all("main img", "imgs => imgs.map(i => [i.src, getComputedStyle(i).filter])")
        for src, filt in shown:
            assert filt == "none", f"{chapter} ({view}): {src} is shown through the filter {filt}"
            with Image.open(io.BytesIO(page.request.get(src).body())) as source:
                corner = source.convert("L").getpixel((0, 0))
            assert corner >= 235, f"{chapter} ({view}): {src} has a dark background ({corner}/255)"
        page.screenshot(path=str(SHOTS / f"{chapter}-{view}.png"), full_page=True)
        context.close()


def offline_page(browser, base_url, name: str, width: int = 1300):
    """A page opened with every request outside the book's own server refused; returns (context, page, refused)."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    refused: list[str] = []

    def route(r):
        if r.request.url.startswith(base_url):
            r.continue_()
        else:
            refused.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.goto(f"{base_url}/book/{name}.html", wait_until="networkidle")
    return context, page, refused


def test_the_dashboard_marks_every_statement_and_links_to_it(browser, base_url):
    from cooccur.claims import CLAIMS

    context, page, _ = offline_page(browser, base_url, "intro")
    rows = page.eval_on_selector_all("main table tbody tr", """rows => rows
        .filter(r => r.querySelector(".verdict"))
        .map(r => [r.querySelectorAll(".verdict").length, r.querySelector("a.reference.internal")?.href ?? null])""")
    assert len(rows) == len(CLAIMS), f"{len(rows)} dashboard rows for {len(CLAIMS)} statements"
    for marks, href in rows:
        assert marks == 2 and href, (marks, href)  # a mark per setting, and the statement links to the book
        target, _, anchor = href.partition("#")
        got = page.request.get(target)
        assert got.ok and f'id="{anchor}"' in got.text(), f"the dashboard's link {href} leads nowhere"
    context.close()


@pytest.mark.parametrize("name, figure, toggle", [("atlas", "fig_atlas_explorer-plot", "menu"),
                                                  ("experiments", "fig_figure1_explorer-plot", "legend")])
def test_the_interactive_figures_draw_and_respond_offline(browser, base_url, name, figure, toggle):
    context, page, refused = offline_page(browser, base_url, name)
    page.wait_for_selector(f"#{figure} .main-svg", timeout=20_000)
    plot = page.locator(f"#{figure}")
    plot.scroll_into_view_if_needed()
    area = page.locator(f"#{figure} .nsewdrag").first.bounding_box()
    page.mouse.move(area["x"] + area["width"] * 0.6, area["y"] + area["height"] * 0.5)
    page.wait_for_function(f"() => document.querySelector('#{figure} .hoverlayer').textContent.length > 0",
                           timeout=5_000)  # hovering shows the numbers
    visible = f"() => document.getElementById('{figure}').data.map(t => t.visible)"
    before = page.evaluate(visible)
    if toggle == "menu":  # the atlas: pick the second statement
        page.locator(f"#{figure} .updatemenu-header-group").click()
        page.locator(f"#{figure} .updatemenu-dropdown-button").nth(1).click()
    else:  # Figure 1: hide the first seed
        page.locator(f"#{figure} .legend .traces").first.click()
    page.wait_for_timeout(500)
    after = page.evaluate(visible)
    assert after != before, f"{name}: the figure did not respond to its {toggle}"
    assert not refused, f"{name}: requests to the network: {refused}"
    context.close()


@pytest.mark.parametrize("name, tables", [("atlas", 2), ("scan_snap", 1)])
def test_the_result_tables_download_as_parquet_and_csv(browser, base_url, name, tables):
    import io

    import pandas as pd

    context, page, _ = offline_page(browser, base_url, name)
    links = page.eval_on_selector_all("main a.reference.download", "as => as.map(a => a.href)")
    parquet = [h for h in links if h.endswith(".parquet")]
    csv = [h for h in links if h.endswith(".csv")]
    assert len(parquet) == tables and len(csv) == tables, links
    for p, c in zip(parquet, csv):
        a = pd.read_parquet(io.BytesIO(page.request.get(p).body()))
        b = pd.read_csv(io.BytesIO(page.request.get(c).body()))
        assert len(a) > 0 and a.shape == b.shape and list(a.columns) == list(b.columns)
    context.close()
