"""A chapter's parameters: where chapters are, their knobs with defaults and specifications, values from the
command line, and the checks and quick mode that run in the chapter's kernel.

A chapter is a Jupytext ``py:percent`` file ``book/<name>.py`` listed in ``_toc.yml``. Its knobs are the plain
literal assignments of the cell tagged ``parameters`` (the defaults), and its first code cell after that checks
them with :func:`check_parameters` (the types, ranges and choices). Both are read here from the source, so a
value given on the command line is checked by the same specification as in the kernel, and before any kernel
starts:

>>> spec = chapter_parameters("phase1")["n_seeds"]  # doctest: +SKIP
>>> spec.default, spec.kind, spec.low, spec.high    # doctest: +SKIP
(10, <class 'int'>, 1, 1000)
"""

from __future__ import annotations

import ast
import importlib
import os
from dataclasses import dataclass
from pathlib import Path

from cooccur.validate import check_choice, check_int, check_number

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"
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


def chapter_names(root: Path | None = None) -> list[str]:
    """The notebook chapters, in the order of ``_toc.yml`` of the checkout at ``root`` (default: this library's)."""
    import yaml

    root = ROOT if root is None else root
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [toc["root"], *(entry["file"] for entry in toc.get("chapters", []))]
    return [Path(f).name for f in files if (root / f"{f}.py").exists()]


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


def chapter_parameters(chapter: str) -> dict[str, Parameter]:
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
    type or out of range (the message of :func:`check_parameters`, as the kernel would give it).
    """
    specs = chapter_parameters(chapter)
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


def check_parameters(**specs: tuple) -> None:
    """Validate papermill parameters; raise ``ValueError`` naming the first bad one.

    Each keyword is a parameter name mapped to ``(value, type)``, ``(value, type, low, high)`` (``None`` for no
    bound) or ``(value, str, choices)``. ``type`` is ``bool``, ``int``, ``float`` (an int is accepted), ``str``,
    ``list`` (a non-empty list of ints, each in range) or ``list[float]`` (a non-empty list of numbers, each in
    range). Example: ``check_parameters(seed=(seed, int, 0, None), init=(init, str, INIT_SCHEMES))``.
    The same specifications are read from a chapter's source by :func:`chapter_parameters`, which checks values
    given on the command line before any kernel starts.
    """
    for name, spec in specs.items():
        value, kind, low, high = (*spec, None, None)[:4]
        label = f"parameter {name!r}"
        if kind is str and isinstance(low, tuple):
            check_choice(label, value, low)
        elif kind is list or kind == list[float]:
            what = "integers" if kind is list else "numbers"
            if not isinstance(value, list) or not value:
                raise ValueError(f"{label} must be a non-empty list of {what}, got {value!r}")
            for item in value:
                (check_int if kind is list else check_number)(label, item, low, high)
        elif kind is int:
            check_int(label, value, low, high)
        elif kind is float:
            check_number(label, value, low, high)
        elif not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise ValueError(f"{label} must be of type {kind.__name__}, got {value!r}")


def apply_quick(chapter: str, namespace: dict, quick: bool, **quick_values) -> None:
    """Quick mode: set each of ``quick_values`` in ``namespace`` (a chapter's ``globals()``), unless it was passed
    in: its value differs from the chapter's default (:func:`chapter_defaults`), or its name is in
    ``$COOCCUR_PASSED_PARAMETERS`` (comma-separated; set by ``python -m cooccur chapter``, so a value passed in
    that equals the default is kept too). Prints a notice on the page listing what was replaced and what was kept.
    Does nothing when ``quick`` is False."""
    if not quick:
        return
    from IPython.display import Markdown, display

    defaults = chapter_defaults(chapter)
    passed = set(filter(None, os.environ.get("COOCCUR_PASSED_PARAMETERS", "").split(",")))
    replaced, kept = [], []
    for name, value in quick_values.items():
        if namespace[name] == defaults[name] and name not in passed:
            namespace[name] = value
            replaced.append(f"`{name} = {value!r}`")
        else:
            kept.append(f"`{name} = {namespace[name]!r}`")
    text = "**Quick mode:** a smoke test of the code, not the published numbers. Set for speed: " + (
        ", ".join(replaced) or "nothing"
    )
    if kept:
        text += "; kept as passed in: " + ", ".join(kept)
    display(Markdown(text + "."))
