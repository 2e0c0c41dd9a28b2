"""The book's chapters as programs: rerun one with papermill (its parameters: :mod:`cooccur.parameters`).

:func:`run_chapter` executes a chapter with papermill in the ``book/`` folder (where its relative paths point)
and writes the executed notebook and a standalone HTML page (nbconvert). The page resolves what the book's
MyST markup needs a Sphinx build for (glued numbers and figures, theorem boxes, references; :func:`myst_to_markdown`),
so it reads like the chapter's page in the book, without the rest of the book.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import time
from pathlib import Path

from cooccur.parameters import BOOK, ROOT, chapter_path

#: Where reruns go unless ``--out`` says otherwise.
DEFAULT_OUT = ROOT / "_build" / "rerun"


def execute(chapter: str | Path, out: Path, parameters: dict[str, object] | None = None, *,
            results_file: Path | None = None, passed: tuple[str, ...] = (), progress: bool = False,
            cwd: Path | None = None) -> float:
    """Execute a chapter (a name, or the path of a ``py:percent`` source) with papermill in ``cwd`` (default: this
    library's ``book/`` folder, where a chapter's relative paths point) and write the executed notebook to ``out``:
    the project's one papermill call, for the book's build, a rerun and the tests. Returns the seconds taken.

    ``results_file`` becomes the kernel's ``$COOCCUR_RESULTS_FILE`` (where glued numbers are recorded; none for a
    rerun) and ``passed`` its ``$COOCCUR_PASSED_PARAMETERS`` (the names quick mode keeps); both are restored after.
    The kernel inherits the rest of this process's environment. A failing cell raises papermill's
    ``PapermillExecutionError`` (the notebook, with the error, is still written)."""
    import jupytext
    import papermill

    path = Path(chapter) if str(chapter).endswith(".py") else chapter_path(str(chapter))
    environ = {"COOCCUR_RESULTS_FILE": None if results_file is None else str(results_file),
               "COOCCUR_PASSED_PARAMETERS": ",".join(passed)}
    saved = {key: os.environ.get(key) for key in environ}
    _set_environ(environ)
    start = time.perf_counter()
    try:
        papermill.execute_notebook(jupytext.read(path), str(out), parameters=parameters or {}, kernel_name="python3",
                                   cwd=str(BOOK if cwd is None else cwd), progress_bar=progress,
                                   request_save_on_cell_execute=False)
    finally:
        _set_environ(saved)
    return time.perf_counter() - start


def _set_environ(values: dict[str, str | None]) -> None:
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def run_chapter(chapter: str, values: dict[str, object], quick: bool = False, out: Path | None = None,
                progress: bool = True) -> tuple[Path, Path]:
    """Execute ``book/<chapter>.py`` (:func:`execute`) with the given parameter values (check them first with
    :func:`cooccur.parameters.parse_values`); write ``<out>/<chapter>.ipynb`` and ``<out>/<chapter>.html`` and
    return both paths. ``quick`` sets the chapter's quick mode, which never replaces a value passed in. Numbers
    are not added to the book's results manifest."""
    out = Path(DEFAULT_OUT if out is None else out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    notebook_path, html_path = out / f"{chapter}.ipynb", out / f"{chapter}.html"
    execute(chapter, notebook_path, {**values, **({"quick": True} if quick else {})}, passed=tuple(values),
            progress=progress)
    copy_mathjax(out)
    html_path.write_text(notebook_html(notebook_path), encoding="utf-8")
    return notebook_path, html_path


# --- the standalone page ------------------------------------------------------------------------------------------

GLUE_PREFIX = "application/papermill.record/"


def glued(notebook) -> dict[str, dict[str, str]]:
    """The values glued in an executed notebook: name -> mime bundle (``text/plain``, ``image/png``, ...)."""
    found = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                found[name] = {k.removeprefix(GLUE_PREFIX): v for k, v in output.get("data", {}).items()}
    return found


def _glue_text(bundle: dict[str, str] | None, fmt: str, name: str) -> str:
    if bundle is None:
        return f"[{name}: not glued]"
    text = bundle.get("text/plain", "")
    if not fmt:
        return text.strip("'\"")
    try:
        return format(ast.literal_eval(text), fmt)
    except (ValueError, SyntaxError, TypeError):
        return text


def _ref_text(target: str) -> str:
    """``text <label>`` -> text; a bare label -> the label in words (``chap-phase1`` -> "phase1")."""
    explicit = re.match(r"(.*?)\s*<([^>]+)>$", target)
    if explicit:
        return explicit.group(1)
    return re.sub(r"^(chap|sec|fig|thm|lem|eq)-", "", target).replace("-", " ")


def myst_to_markdown(text: str, glue: dict[str, dict[str, str]], figures: dict[str, int]) -> str:
    """Rewrite one Markdown cell's MyST markup as plain Markdown that nbconvert can render.

    Glued numbers become their formatted text (``{glue:text}`name:.2f```), glued figures become inline images
    with their numbered captions, theorem boxes become bold-headed paragraphs, references become their text,
    citations ``[key]``. ``figures`` maps a figure's ``:name:`` to its number in the chapter.
    """
    def directive(match: re.Match) -> str:
        kind, argument, body = match.group(2), match.group(3).strip(), match.group(4)
        lines = body.splitlines()
        options = {}
        while lines and re.match(r"^:\w[\w-]*:", lines[0]):
            key, _, value = lines.pop(0)[1:].partition(":")
            options[key] = value.strip()
        content = "\n".join(lines).strip()
        if kind == "glue:figure":
            bundle = glue.get(argument, {})
            number = figures.get(options.get("name", ""), "")
            image = (f"![Figure {number}](data:image/png;base64,{bundle['image/png'].strip()})"
                     if "image/png" in bundle else f"[figure {argument} not glued]")
            return f"{image}\n\n*Figure {number}.* {content}\n"
        if kind.startswith("prf:"):
            title = kind.removeprefix("prf:").capitalize() + (f" ({argument})" if argument else "")
            return f"> **{title}.** " + content.replace("\n", "\n> ") + "\n"
        return content + "\n"

    text = re.sub(r"^(`{3,}|:{3,})\{([\w:-]+)\}([^\n]*)\n(.*?)^\1\s*$", directive, text, flags=re.S | re.M)
    text = re.sub(r"^\([\w-]+\)=\s*$", "", text, flags=re.M)
    text = re.sub(r"\{glue:text\}`([\w.-]+)(?::([^`]*))?`",
                  lambda m: _glue_text(glue.get(m.group(1)), m.group(2) or "", m.group(1)), text)
    text = re.sub(r"\{glue\}`([\w.-]+)`", lambda m: _glue_text(glue.get(m.group(1)), "", m.group(1)), text)
    text = re.sub(r"\{numref\}`([^`]+)`",
                  lambda m: f"Figure {figures[m.group(1)]}" if m.group(1) in figures else _ref_text(m.group(1)), text)
    text = re.sub(r"\{(?:ref|prf:ref|doc)\}`([^`]+)`", lambda m: f"*{_ref_text(m.group(1))}*", text)
    text = re.sub(r"\{cite(?::\w+)?\}`([^`]+)`", lambda m: f"[{m.group(1)}]", text)
    return re.sub(r"\{math\}`([^`]+)`", r"$\1$", text)


#: Where a rerun page loads MathJax 3 from, relative to the page: a copy of the one the book bundles.
MATHJAX = "mathjax/tex-chtml.js"
#: nbconvert's ``lab`` template, offline: no require.js from a CDN (nothing on the page needs it), and MathJax 3
#: from :data:`MATHJAX`, configured for ``$...$`` (the template's own configuration is for MathJax 2).
RERUN_TEMPLATE = """{%- extends "index.html.j2" -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}
<script>window.MathJax = {tex: {inlineMath: [["$", "$"], ["\\\\(", "\\\\)"]], processEscapes: true}};</script>
<script src="{{ resources.mathjax_url }}"></script>
{%- endblock html_head_js_mathjax -%}
"""


def copy_mathjax(out: Path) -> None:
    """Copy the MathJax the book bundles (the ``sphinx-mathjax-offline`` package) to ``out/mathjax``, once, so
    that a rerun page typesets its math offline."""
    from importlib.metadata import distribution

    target = out / Path(MATHJAX).parent
    if not (target / Path(MATHJAX).name).exists():
        source = Path(distribution("sphinx-mathjax-offline").locate_file("sphinx-mathjax-offline/static/mathjax"))
        shutil.copytree(source, target, dirs_exist_ok=True)


def notebook_html(notebook_path: Path) -> str:
    """A standalone HTML page of an executed chapter (nbconvert's ``lab`` template): glued values resolved
    (:func:`myst_to_markdown`), the inputs of cells tagged ``hide-input`` and ``remove-input`` left out as in the
    book, the parameters cell and the papermill-injected values shown."""
    import nbformat
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    notebook = nbformat.read(notebook_path, as_version=4)
    glue = glued(notebook)
    names = re.findall(r"\{glue:figure\}[^\n]*\n:name: ([\w-]+)",
                       "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown"))
    figures = {name: i for i, name in enumerate(names, start=1)}
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = myst_to_markdown(cell.source, glue, figures)
        elif cell.cell_type == "code":  # glued values are shown where the prose uses them, not under the code
            cell.outputs = [o for o in cell.outputs if "scrapbook" not in o.get("metadata", {})]
    exporter = HTMLExporter(template_name="lab", template_file="rerun.html.j2", mathjax_url=MATHJAX,
                            extra_loaders=[DictLoader({"rerun.html.j2": RERUN_TEMPLATE})])
    remover = TagRemovePreprocessor(remove_input_tags={"hide-input", "remove-input"},
                                    remove_cell_tags={"remove-cell"}, enabled=True)
    exporter.register_preprocessor(remover, enabled=True)
    body, _ = exporter.from_notebook_node(notebook)
    return body

