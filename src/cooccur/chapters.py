"""The book's chapters as programs: list them, read their parameters, rerun one with papermill.

A chapter is a Jupytext ``py:percent`` file ``book/<name>.py`` listed in ``_toc.yml``. Its knobs are the plain
literal assignments of the cell tagged ``parameters`` (the defaults), and its first code cell after that checks
them with :func:`cooccur.report.check_parameters` (the types, ranges and choices). Both are read here from the
source, so a value given on the command line is checked by the same specification as in the kernel, and before
any kernel starts:

>>> spec = parameters("phase1")["n_seeds"]        # doctest: +SKIP
>>> spec.default, spec.kind, spec.low, spec.high  # doctest: +SKIP
(10, <class 'int'>, 1, 1000)

:func:`run_chapter` executes a chapter with papermill in the ``book/`` folder (where its relative paths point)
and writes the executed notebook and a standalone HTML page (nbconvert). The page resolves what the book's
MyST markup needs a Sphinx build for (glued numbers and figures, theorem boxes, references; :func:`myst_to_markdown`),
so it reads like the chapter's page in the book, without the rest of the book.
"""

from __future__ import annotations

import ast
import importlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"
#: Where reruns go unless ``--out`` says otherwise.
DEFAULT_OUT = ROOT / "_build" / "rerun"
_TYPES = {"int": int, "float": float, "bool": bool, "str": str, "list": list}


class ChapterError(ValueError):
    """A chapter or parameter that does not exist, or a value outside what the chapter accepts."""


@dataclass(frozen=True)
class Parameter:
    """One knob of a chapter: its default, and the specification its check cell gives it.

    ``kind`` is ``bool``, ``int``, ``float``, ``str``, ``list`` (of ints) or ``list[float]``; ``low``/``high``
    bound the value (or each item of a list), ``choices`` lists the allowed strings.
    """

    name: str
    default: object
    kind: object
    low: float | None = None
    high: float | None = None
    choices: tuple | None = None

    def describe(self) -> str:
        """``default 10; integer in [1, 1000]``-style text for ``--help``."""
        kind = {int: "integer", float: "number", bool: "True/False", str: "text", list: "list of integers"}.get(
            self.kind, "list of numbers")
        if self.choices:
            kind = "one of " + ", ".join(self.choices)
        elif self.low is not None or self.high is not None:
            low = "" if self.low is None else f"{self.low:g}"
            high = "" if self.high is None else f"{self.high:g}"
            kind += f" in [{low}, {high}]" if low and high else (f" >= {low}" if low else f" <= {high}")
        return f"default {self.default!r}; {kind}"


def chapter_names() -> list[str]:
    """The notebook chapters, in the order of ``_toc.yml``."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"], *(entry["file"] for entry in toc.get("chapters", []))]
    return [Path(f).name for f in files if (ROOT / f"{f}.py").exists()]


def chapter_path(name: str) -> Path:
    """``book/<name>.py``; :class:`ChapterError` listing the chapters if there is none."""
    if not BOOK.is_dir():
        raise ChapterError(f"no book/ folder next to the library ({BOOK}): rerunning chapters needs a checkout of "
                           "the repository, installed with `pip install -e '.[book]'`")
    names = chapter_names()
    if name not in names:
        raise ChapterError(f"unknown chapter {name!r}; the chapters are: {', '.join(names)}")
    return BOOK / f"{name}.py"


def _cells(path: Path) -> list[tuple[str, str]]:
    """The ``(header line, source)`` of each ``# %%`` cell of a py:percent file."""
    cells: list[tuple[str, list[str]]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# %%"):
            cells.append((line, []))
        elif cells:
            cells[-1][1].append(line)
    return [(header, "\n".join(lines)) for header, lines in cells]


def _parameter_cells(path: Path) -> tuple[str, str]:
    """The source of the ``parameters`` cell and of the first code cell after it (the check cell)."""
    cells = _cells(path)
    index = next((i for i, (h, _) in enumerate(cells) if '"parameters"' in h), None)
    if index is None:
        raise ChapterError(f"{path.name} has no cell tagged 'parameters'")
    check = next((src for h, src in cells[index + 1:] if "[markdown]" not in h), "")
    return cells[index][1], check


def chapter_defaults(chapter: str | Path) -> dict[str, object]:
    """The defaults of a chapter's parameters cell: plain literal assignments, one per line. ``chapter`` is a name
    (looked up in the current folder, where a kernel runs, then in ``book/``) or a path."""
    path = Path(chapter)
    if path.suffix != ".py":
        path = next((p for p in (Path.cwd() / f"{chapter}.py", BOOK / f"{chapter}.py") if p.exists()), None)
        if path is None:
            raise ChapterError(f"chapter {chapter!r} not found")
    return _literal_assignments(_parameter_cells(path)[0])


def _literal_assignments(source: str) -> dict[str, object]:
    tree = ast.parse(source)
    return {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)}


def _check_namespace(tree: ast.Module, used: set[str]) -> dict[str, object]:
    """Names a check cell's specifications use: the builtin types, and what the cell imports from cooccur (only
    the ``used`` names are imported)."""
    namespace: dict[str, object] = dict(_TYPES)
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cooccur"):
            for alias in node.names:
                name = alias.asname or alias.name
                if name in used:
                    namespace[name] = getattr(importlib.import_module(node.module), alias.name)
    return namespace


def parameters(chapter: str) -> dict[str, Parameter]:
    """Every parameter of a chapter with its default and its specification (see the module docstring)."""
    path = chapter_path(chapter)
    source, check = _parameter_cells(path)
    defaults = _literal_assignments(source)
    tree = ast.parse(check)
    calls = [node for node in ast.walk(tree)
             if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "check_parameters"]
    parts: dict[str, list[ast.expr]] = {}
    for keyword in (kw for call in calls for kw in call.keywords):
        exprs = keyword.value.elts[1:]  # [0] is the variable itself
        names = {n.id for e in exprs for n in ast.walk(e) if isinstance(n, ast.Name)}
        # the first specification of each parameter; one that depends on another parameter (e.g. a seed below
        # n_seeds, checked after quick mode) is left to the kernel
        if keyword.arg not in parts and not names & set(defaults):
            parts[keyword.arg] = exprs
    used = {n.id for exprs in parts.values() for e in exprs for n in ast.walk(e) if isinstance(n, ast.Name)}
    namespace = _check_namespace(tree, used)
    specs = {name: tuple(eval(compile(ast.Expression(e), path.name, "eval"), {"__builtins__": {}}, namespace)
                         for e in exprs) for name, exprs in parts.items()}
    out = {}
    for name, default in defaults.items():
        kind, *rest = specs.get(name, (type(default),))
        if kind is str and rest and isinstance(rest[0], tuple):
            out[name] = Parameter(name, default, kind, choices=rest[0])
        else:
            low, high = (*rest, None, None)[:2]
            out[name] = Parameter(name, default, kind, low, high)
    return out


def _convert(spec: Parameter, text: str) -> object:
    """The value a command-line string stands for, given the parameter's kind."""
    if spec.kind is str:
        return text
    if spec.kind is bool:
        lowered = text.strip().lower()
        if lowered in ("true", "yes", "1"):
            return True
        if lowered in ("false", "no", "0"):
            return False
        raise ChapterError(f"parameter {spec.name!r} must be True or False, got {text!r}")
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError):
        value = text
    if spec.kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if (spec.kind is list or spec.kind == list[float]) and isinstance(value, (tuple, int, float)):
        value = list(value) if isinstance(value, tuple) else [value]  # "32,64" or a single number
    return value


def parse_values(chapter: str, pairs: list[tuple[str, str]]) -> dict[str, object]:
    """Convert and check ``(name, text)`` pairs from the command line against the chapter's parameters.

    Raises :class:`ChapterError` naming the parameter: unknown (listing the known ones), or a value of the wrong
    type or out of range (the message of :func:`cooccur.report.check_parameters`, as the kernel would give it).
    """
    from cooccur.report import check_parameters

    specs = parameters(chapter)
    values = {}
    for name, text in pairs:
        if name not in specs:
            raise ChapterError(f"chapter {chapter!r} has no parameter {name!r}; its parameters are: "
                               f"{', '.join(specs)}")
        spec = specs[name]
        value = _convert(spec, text)
        bounds = (spec.choices,) if spec.choices else (spec.low, spec.high)
        try:
            check_parameters(**{name: (value, spec.kind, *bounds)})
        except ValueError as err:
            raise ChapterError(str(err)) from None
        values[name] = value
    return values


def run_chapter(chapter: str, values: dict[str, object], quick: bool = False, out: Path | None = None,
                progress: bool = True) -> tuple[Path, Path]:
    """Execute ``book/<chapter>.py`` with papermill and the given parameter values (checked with
    :func:`parse_values` first), in the ``book/`` folder; write ``<out>/<chapter>.ipynb`` and
    ``<out>/<chapter>.html`` and return both paths. ``quick`` sets the chapter's quick mode, which never replaces
    a value passed in. Numbers are not added to the book's results manifest."""
    import jupytext
    import papermill

    path = chapter_path(chapter)
    out = Path(DEFAULT_OUT if out is None else out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    notebook_path, html_path = out / f"{chapter}.ipynb", out / f"{chapter}.html"
    parameters_in = {**values, **({"quick": True} if quick else {})}
    saved = {k: os.environ.get(k) for k in ("COOCCUR_PASSED_PARAMETERS", "COOCCUR_RESULTS_FILE")}
    os.environ["COOCCUR_PASSED_PARAMETERS"] = ",".join(values)
    os.environ.pop("COOCCUR_RESULTS_FILE", None)  # a rerun is not the book's build
    try:
        papermill.execute_notebook(jupytext.read(path), str(notebook_path), parameters=parameters_in,
                                   kernel_name="python3", cwd=str(BOOK), progress_bar=progress,
                                   request_save_on_cell_execute=False)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
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

