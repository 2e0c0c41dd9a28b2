"""A chapter's parameters: where chapters are, their knobs with defaults and specifications, values from the
command line, and the check and quick mode that run in the chapter's kernel.

A chapter is a Jupytext ``py:percent`` file ``book/<name>.py`` listed in ``_toc.yml``. Its knobs are the plain
literal assignments of the cell tagged ``parameters`` (the defaults, where a reader edits them); their types,
ranges, choices and quick-mode values are :data:`SPECS`, here. The chapter's next cell calls
:func:`check_chapter`, and the command line checks a value by the same specification before any kernel starts:

>>> spec = chapter_parameters("phase1")["n_seeds"]  # doctest: +SKIP
>>> spec.default, spec.kind, spec.low, spec.high, spec.quick  # doctest: +SKIP
(10, <class 'int'>, 1, 1000, 2)
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, replace
from pathlib import Path

from cooccur.flow import SimConfig
from cooccur.model import INIT_SCHEMES
from cooccur.validate import check_choice, check_int, check_number

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"


class ChapterError(ValueError):
    """A chapter or parameter that does not exist, or a value outside what the chapter accepts."""


NO_QUICK = object()  # a parameter quick mode leaves alone


@dataclass(frozen=True)
class Parameter:
    """One knob of a chapter: its default (from the chapter's parameters cell) and its specification.

    ``kind`` is ``bool``, ``int``, ``float``, ``str``, ``list`` (of ints) or ``list[float]``; ``low``/``high``
    bound the value (or each item of a list), ``choices`` lists the allowed strings. A bound may be an expression
    in the chapter's other parameters (``"n_seeds - 1"``): it is checked in the kernel, after quick mode. ``quick``
    is the value quick mode sets (:data:`NO_QUICK`: none). ``config`` names the configuration field the default
    must equal (``"SimConfig.T"``), so a chapter's default follows the library's.
    """

    name: str
    default: object
    kind: object
    low: float | str | None = None
    high: float | str | None = None
    choices: tuple | None = None
    quick: object = NO_QUICK
    config: str | None = None

    def bounds(self, namespace: dict | None = None) -> tuple:
        """``(choices,)`` or ``(low, high)``; a bound naming other parameters is evaluated in ``namespace``, or is
        ``None`` without one (the command line leaves it to the kernel)."""
        if self.choices:
            return (self.choices,)
        return tuple(_evaluate(b, namespace) if isinstance(b, str) else b for b in (self.low, self.high))

    def describe(self) -> str:
        """``default 10; integer in [1, 1000]``-style text for ``--help``."""
        kind = {int: "integer", float: "number", bool: "True/False", str: "text", list: "list of integers"}.get(
            self.kind, "list of numbers")
        if self.choices:
            kind = "one of " + ", ".join(self.choices)
        elif self.low is not None or self.high is not None:
            low = "" if self.low is None else f"{self.low:g}" if not isinstance(self.low, str) else self.low
            high = "" if self.high is None else f"{self.high:g}" if not isinstance(self.high, str) else self.high
            kind += f" in [{low}, {high}]" if low and high else (f" >= {low}" if low else f" <= {high}")
        tied = f" (= {self.config})" if self.config else ""
        return f"default {self.default!r}{tied}; {kind}" + ("" if self.quick is NO_QUICK else f"; quick {self.quick!r}")


def _evaluate(expression: str, namespace: dict | None) -> object:
    """A bound written in other parameters, e.g. ``"n_seeds - 1"``, in ``namespace`` (``None`` without one)."""
    return None if namespace is None else eval(expression, {"__builtins__": {}}, dict(namespace))


def _spec(kind, low=None, high=None, *, choices=None, quick=NO_QUICK, config=None) -> Parameter:
    return Parameter("", None, kind, low, high, choices, quick, config)


#: The configurations whose fields a chapter's default may be tied to (:attr:`Parameter.config`).
CONFIGS = {"SimConfig": SimConfig()}


SEED, QUICK, FILE, WORKERS = _spec(int, 0), _spec(bool), _spec(str), _spec(int, 0, 1024)
N_SEEDS = _spec(int, 1, 1000, quick=2)
# T >= 20 where a chapter checks Phase 2: the premise setting's T1 is about 1, and a statement about Phase 2 needs
# 10 T1 of it (claims.PHASE2_MIN_SPAN)
PHASE2_T = _spec(float, 20.0, 1e4, quick=20.0, config="SimConfig.T")
ORDERS = {"order_widths": _spec(list, 32, 10**7, quick=[32, 100, 320]), "order_scales": _spec(list[float], 0.01, 10.0),
          "order_seeds": _spec(int, 1, 100, quick=1)}

#: Every chapter's parameters: kind, range or choices, and the value quick mode sets (a smoke test, not the book).
SPECS: dict[str, dict[str, Parameter]] = {
    "intro": {"seed": SEED, "T": PHASE2_T, "n_seeds": N_SEEDS, "quick": QUICK},
    "setup": {"data_seed": SEED, "model_seed": SEED, "n_seeds": N_SEEDS, "quick": QUICK},
    "coordinates": {"seed": SEED, "init": _spec(str, choices=INIT_SCHEMES), "T": _spec(float, 1.0, 1e4, quick=1.0),
                    "quick": QUICK},
    "phase1": {"seed": SEED, "n_seeds": N_SEEDS, "T": _spec(float, 1.0, 1e4, quick=3.0, config="SimConfig.T"),
               "widths": _spec(list, 32, 1 << 14, quick=[64, 128, 256]), "sweep_seeds": _spec(int, 1, 1000, quick=1),
               "sweep_T": _spec(float, 1.0, 1e4, quick=3.0), **ORDERS, "quick": QUICK},
    "phase2": {"seed": _spec(int, 0, "n_seeds - 1"), "n_seeds": N_SEEDS, "T": PHASE2_T,
               "t1_margins": _spec(list[float], 0.0, 10.0), "lengths": _spec(list, 3, 64, quick=[3, 4, 5]),
               "sample_counts": _spec(list, 24, 2000, quick=[30, 60]), "sweep_seeds": _spec(int, 1, 1000, quick=1),
               **ORDERS, "quick": QUICK},
    "balancing": {"seed": _spec(int, 0, "n_seeds - 1"), "n_seeds": N_SEEDS, "T": PHASE2_T,
                  "perturb_factor": _spec(float, 0.0, 1e3), "quick": QUICK},
    "experiments": {"data_seed": SEED, "model_seed": SEED, "init": _spec(str, choices=INIT_SCHEMES),
                    "T": _spec(float, 0.01, 1e4, quick=3.0, config="SimConfig.T"),
                    "step": _spec(float, 1e-6, 1.0, config="SimConfig.step"), "n_seeds": N_SEEDS,
                    "reading_seeds": _spec(int, 1, 1000, quick=2),
                    "reading_iterations": _spec(int, 10, 10**6, quick=100), "visible_rise": _spec(float, 0.0, 10.0),
                    "quick": QUICK},
    "markov": {"seed": SEED, "n_inits": _spec(int, 1, 100_000, quick=20), "start_std": _spec(float, 1e-6, 1.0),
               "grid_points": _spec(int, 5, 401, quick=11), "T": _spec(float, 1.0, 1e5, quick=50.0),
               "gpt_seeds": _spec(int, 2, 100, quick=2), "gpt_iterations": _spec(int, 2, 100_000, quick=20),
               "gpt_steps": _spec(int, 2, "gpt_iterations", quick=20),
               "gpt_dtype": _spec(str, choices=("float32", "float64")),
               "bigram_chains": _spec(int, 2, 1_000_000, quick=20), "quick": QUICK},
    "scan_snap": {"seed": SEED, "steps": _spec(int, 11, 100_000, quick=12), "batch": _spec(int, 1, 100_000),
                  "fig6_file": FILE, "fig6_published": FILE,
                  "results_dir": _spec(str, quick="../_build/scan_snap-quick"),
                  "snap_num_last": _spec(int, 1, 100), "snap_lr_Z": _spec(float, 1e-6, None),
                  "snap_lr_Y": _spec(list[float], 1e-6, None, quick=[2.0, 5.0]),
                  "snap_steps": _spec(int, 10, 1_000_000, quick=3000), "snap_seeds": _spec(int, 1, 100, quick=2),
                  "workers": WORKERS, "quick": QUICK},
    "atlas": {"width_file": FILE, "length_file": FILE, "fine_width_file": FILE, "fine_length_file": FILE,
              "results_dir": _spec(str, quick="../_build/atlas-quick"), "workers": WORKERS, "fresh": _spec(bool),
              "quick": QUICK},
    "beyond": {"limit_file": FILE, "lazy_file": FILE, "escape_file": FILE, "memorisation_file": FILE,
               "shared_file": FILE, "results_dir": _spec(str, quick="../_build/beyond-quick"), "workers": WORKERS,
               "fresh": _spec(bool), "quick": QUICK},
    "reproducing": {"quick": QUICK},
}


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


def _parameter_cell(path: Path) -> str:
    """The source of the cell tagged ``parameters``."""
    source = next((src for header, src in _cells(path) if '"parameters"' in header), None)
    if source is None:
        raise ChapterError(f"{path.name} has no cell tagged 'parameters'")
    return source


def chapter_defaults(chapter: str | Path) -> dict[str, object]:
    """The defaults of a chapter's parameters cell: plain literal assignments, one per line. ``chapter`` is a name
    (looked up in the current folder, where a kernel runs, then in ``book/``) or a path."""
    path = Path(chapter)
    if path.suffix != ".py":
        path = next((p for p in (Path.cwd() / f"{chapter}.py", BOOK / f"{chapter}.py") if p.exists()), None)
        if path is None:
            raise ChapterError(f"chapter {chapter!r} not found")
    return _literal_assignments(_parameter_cell(path))


def _literal_assignments(source: str) -> dict[str, object]:
    tree = ast.parse(source)
    return {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)}


def chapter_parameters(chapter: str) -> dict[str, Parameter]:
    """Every parameter of a chapter: its default from the chapter's parameters cell and its specification from
    :data:`SPECS`. A parameter without a specification, or a specification without a parameter, is an error."""
    return _parameters(chapter, _literal_assignments(_parameter_cell(chapter_path(chapter))))


def _parameters(chapter: str, defaults: dict[str, object]) -> dict[str, Parameter]:
    specs = SPECS.get(chapter, {})
    if set(defaults) != set(specs):
        unspecified, stale = sorted(set(defaults) - set(specs)), sorted(set(specs) - set(defaults))
        raise ChapterError(f"chapter {chapter!r}: parameters without a specification in cooccur.parameters.SPECS: "
                           f"{unspecified or 'none'}; specified but not in its parameters cell: {stale or 'none'}")
    for name, default in defaults.items():
        if specs[name].config:
            config, field = specs[name].config.split(".")
            if default != getattr(CONFIGS[config], field):
                raise ChapterError(f"chapter {chapter!r}: the default {name} = {default!r} is not {specs[name].config} "
                                   f"= {getattr(CONFIGS[config], field)!r}, which it follows")
    return {name: replace(specs[name], name=name, default=default) for name, default in defaults.items()}


def _convert(spec: Parameter, text: str) -> object:
    """The value a command-line string stands for, given the parameter's kind."""
    if spec.kind is str:
        return text
    if spec.kind is bool:
        lowered = text.strip().lower()
        if lowered == "true":  # strictly: "yes", "1" or "on" could mean either, and are refused
            return True
        if lowered == "false":
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
        try:
            check_parameters(**{name: (value, spec.kind, *spec.bounds())})
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
    A chapter's specifications are :data:`SPECS`: :func:`check_chapter` checks them in the kernel and
    :func:`parse_values` on the command line, before any kernel starts.
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


def check_chapter(chapter: str, namespace: dict) -> None:
    """The check cell of a chapter: validate its parameters in ``namespace`` (the kernel's ``globals()``) against
    :data:`SPECS`, raising ``ValueError`` naming the first bad one; then, if ``namespace["quick"]``, quick mode;
    then the bounds written in other parameters (a seed below ``n_seeds``), on the values quick mode left.

    Quick mode sets each parameter's quick value unless it was passed in: its value differs from the chapter's
    default (:func:`chapter_defaults`), or its name is in ``$COOCCUR_PASSED_PARAMETERS`` (comma-separated; set by
    ``python -m cooccur chapter``, so a value passed in that equals the default is kept too). It shows a notice on
    the page listing what it replaced and what it kept."""
    specs = _parameters(chapter, chapter_defaults(chapter))
    check_parameters(**{name: (namespace[name], spec.kind, *spec.bounds()) for name, spec in specs.items()})
    if namespace["quick"]:
        _quick(specs, namespace)
    check_parameters(**{name: (namespace[name], spec.kind, *spec.bounds(namespace)) for name, spec in specs.items()
                        if isinstance(spec.low, str) or isinstance(spec.high, str)})


def _quick(specs: dict[str, Parameter], namespace: dict) -> None:
    from IPython.display import Markdown, display

    passed = set(filter(None, os.environ.get("COOCCUR_PASSED_PARAMETERS", "").split(",")))
    replaced, kept = [], []
    for name, spec in specs.items():
        if spec.quick is NO_QUICK:
            continue
        if namespace[name] == spec.default and name not in passed:
            namespace[name] = spec.quick
            replaced.append(f"`{name} = {spec.quick!r}`")
        else:
            kept.append(f"`{name} = {namespace[name]!r}`")
    text = "**Quick mode:** a smoke test of the code, not the published numbers. Set for speed: " + (
        ", ".join(replaced) or "nothing"
    )
    if kept:
        text += "; kept as passed in: " + ", ".join(kept)
    display(Markdown(text + "."))
