"""The book's chapters as programs: rerun one with papermill (its parameters: :mod:`cooccur.parameters`).

:func:`run_chapter` executes a chapter with papermill in the ``book/`` folder (where its relative paths point)
and renders the executed notebook with Jupyter Book, as the book does (:func:`render_page`): glued numbers and
figures, theorem boxes, figure numbers and references read as in the book, and the page works offline.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cooccur.parameters import BOOK, ROOT, chapter_path

#: Where reruns go unless ``--out`` says otherwise: relative to the current folder.
DEFAULT_OUT = Path("_build") / "rerun"


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
    from jupyter_client.manager import KernelManager

    path = Path(chapter) if str(chapter).endswith(".py") else chapter_path(str(chapter))
    environ = {"COOCCUR_RESULTS_FILE": None if results_file is None else str(results_file),
               "COOCCUR_PASSED_PARAMETERS": ",".join(passed)}
    saved = {key: os.environ.get(key) for key in environ}
    _set_environ(environ)
    # the kernel talks to this process over local (IPC) sockets, not TCP: nothing listens on a port, and the
    # kernel has no "running over TCP without encryption" warning to print on the terminal. Each kernel's sockets
    # live in a folder of their own, so kernels started side by side (make book JOBS=2) never share one.
    sockets = Path(tempfile.mkdtemp(prefix="cooccur-kernel-"))
    kernel = KernelManager(kernel_name="python3", transport="ipc", ip=str(sockets / "k"))
    start = time.perf_counter()
    try:
        papermill.execute_notebook(jupytext.read(path), str(out), parameters=parameters or {}, kernel_name="python3",
                                   cwd=str(BOOK if cwd is None else cwd), progress_bar=progress,
                                   request_save_on_cell_execute=False, km=kernel)
    finally:
        _set_environ(saved)
        if kernel.has_kernel:
            kernel.shutdown_kernel(now=True)
        shutil.rmtree(sockets, ignore_errors=True)
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
    :func:`cooccur.parameters.parse_values`); write ``<out>/<chapter>.ipynb`` and render it as the book does in
    ``<out>/<chapter>-site`` (:func:`render_page`), and return the notebook's and the page's paths. ``quick``
    sets the chapter's quick mode, which never replaces a value passed in. Numbers are not added to the book's
    results manifest."""
    out = Path(DEFAULT_OUT if out is None else out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    notebook_path = out / f"{chapter}.ipynb"
    execute(chapter, notebook_path, {**values, **({"quick": True} if quick else {})}, passed=tuple(values),
            progress=progress)
    return notebook_path, render_page(chapter, notebook_path, out / f"{chapter}-site")


#: A ``{download}`` role of MyST with an explicit target: ``{download}`text <path>```.
_DOWNLOAD = re.compile(r"\{download\}`[^`<]*<([^>`]+)>`")


def downloads_of(notebook: Path) -> list[str]:
    """The files an executed chapter offers for download: the targets of the ``{download}`` roles in its
    outputs' Markdown, as written (relative to the chapter's folder, ``book/``), each once, in order."""
    found: list[str] = []
    for cell in json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]:
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/markdown", "")
            found += _DOWNLOAD.findall("".join(text) if isinstance(text, list) else text)
    return list(dict.fromkeys(found))


# --- the rerun page, rendered as the book renders it ------------------------------------------------------------

#: A fenced MyST directive: its fence, kind, argument and body.
_DIRECTIVE = re.compile(r"^(`{3,}|:{3,})\{([\w:-]+)\}([^\n]*)\n(.*?)^\1\s*$", re.S | re.M)
#: A label line with the heading it labels, or any heading.
_HEADING = re.compile(r"^(?:\(([\w-]+)\)=\s*\n+)?(#+ [^\n]*)", re.M)


def pixel_png() -> bytes:
    """A one-pixel white PNG: the image of every figure of a chapter that was not rerun."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (1, 1), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def stub(markdown: str) -> str:
    """A stand-in for a chapter that was not rerun: its headings with their labels, and its figures and numbered
    statements in order, each with its name or label and an empty body. On the rerun page a reference into that
    chapter then reads as in the book (the section's title, "Fig. 12", "Theorem 2") and links to the stand-in,
    which sends the reader to the book."""
    parts: list[tuple[int, str]] = []
    for match in _HEADING.finditer(markdown):
        label, heading = match.group(1), re.sub(r"\{glue:text\}`[^`]*`", "…", match.group(2))
        parts.append((match.start(), (f"({label})=\n" if label else "") + heading + "\n"))
        if not parts[:-1]:  # under the title
            parts.append((match.end(), "*This chapter was not rerun here: read it, with its figures, in the book.*\n"))
    for match in _DIRECTIVE.finditer(markdown):
        kind, argument, body = match.group(2), match.group(3).strip(), match.group(4)
        options = "".join(line + "\n" for line in body.splitlines() if re.match(r"^:(name|label):", line))
        if kind in ("figure", "glue:figure"):
            parts.append((match.start(), f"```{{figure}} stub.png\n{options}\n(a figure of the book)\n```\n"))
        elif kind.startswith("prf:"):
            parts.append((match.start(), f"```{{{kind}}} {argument}\n{options}\n(stated in the book)\n```\n"))
    return "\n".join(text for _, text in sorted(parts, key=lambda part: part[0]))


def _markdown_of(path: Path) -> str:
    """The Markdown of a chapter's source: a ``.md`` file's text, or the Markdown cells of a ``py:percent`` file."""
    if path.suffix == ".md":
        return path.read_text(encoding="utf-8")
    import jupytext

    return "\n\n".join(cell.source for cell in jupytext.read(path).cells if cell.cell_type == "markdown")


def render_page(chapter: str, notebook: Path, site: Path) -> Path:
    """Render an executed chapter as the book does: a Jupyter Book in ``site`` with the book's configuration and
    table of contents, the executed ``notebook`` in the chapter's place and a :func:`stub` in every other chapter's
    (the bibliography in full), built offline like the book (MathJax and every asset copied into the site).
    Returns the chapter's HTML page. A reference into another chapter links to its stub, which sends the reader
    to the book."""
    import yaml

    shutil.rmtree(site, ignore_errors=True)
    (site / "book").mkdir(parents=True)
    shutil.copytree(BOOK / "_ext", site / "book" / "_ext")
    shutil.copytree(ROOT / "_static", site / "_static")
    for name in ("_toc.yml", "references.bib"):
        shutil.copy(ROOT / name, site / name)
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["exclude_patterns"] = ["_build"]
    (site / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    (site / "book" / "stub.png").write_bytes(pixel_png())
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    for entry in [toc["root"], *(item["file"] for item in toc.get("chapters", []))]:
        name = Path(entry).name
        source = next(p for p in (ROOT / f"{entry}.py", ROOT / f"{entry}.md") if p.exists())
        if name == chapter:
            shutil.copy(notebook, site / "book" / f"{name}.ipynb")
            for target in downloads_of(notebook):  # the result tables it offers, where its links point
                (site / "book" / target).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(BOOK / target, site / "book" / target)
        elif name == "references":
            shutil.copy(source, site / "book" / "references.md")
        else:
            (site / "book" / f"{name}.md").write_text(stub(_markdown_of(source)), encoding="utf-8")
    jb = Path(sys.executable).with_name("jupyter-book")
    jb = str(jb) if jb.exists() else shutil.which("jupyter-book")
    if jb is None:
        raise RuntimeError("jupyter-book is not installed (pip install -e '.[book]'): the executed notebook is "
                           f"{notebook}, but its page cannot be rendered")
    done = subprocess.run([jb, "build", str(site), "--keep-going"], capture_output=True, text=True)
    page = site / "_build" / "html" / "book" / f"{chapter}.html"
    if done.returncode != 0 or not page.exists():
        raise RuntimeError(f"the page of {chapter} did not build:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return page
