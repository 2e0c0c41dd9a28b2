"""Helpers for the book's chapters.

* Numbers quoted in the prose come from the run, through ``myst_nb.glue`` (:func:`glue_number`). When the
  environment variable ``COOCCUR_RESULTS_FILE`` names a JSON file, every glued number is also recorded there:
  that file is the chapter's part of the results manifest (see ``scripts/results.py``).
* Tables of verdicts, premises, configurations and rows, as Markdown (:func:`show`).
* Figures, as PNG (:func:`glue_figure`), after a check of their layout (:func:`cooccur.plots.collisions`): in the
  book's build and its smoke tests a figure whose texts collide or whose legend hides data is an error, on a
  reader's rerun a warning.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from cooccur.claims import CLAIMS, Order, Verdict
from cooccur.experiment import Experiment
from cooccur.plots import collisions, png_bytes
from cooccur.readings import Readings
from cooccur.store import write_atomic
from cooccur.validate import check_choice


def glue_number(name: str, value: numbers.Real, manifest: bool = True, kind: str | None = None) -> None:
    """Glue ``value`` under ``name`` for ``{glue:text}`name:fmt` `` in the chapter's prose.

    NumPy scalars are converted to Python numbers first: their text form (``np.float64(0.5)``) cannot be
    formatted by the glue roles. ``manifest=False`` keeps the number out of the results manifest: for wall-clock
    times, which are facts about the machine, not results a rebuild must reproduce. ``kind`` is the number's
    tolerance class in the manifest (:data:`TOLERANCE_CLASSES`; default ``exact`` for an integer, ``float64`` for a
    real number); numbers from a trained torch model say ``kind="trained"``.
    """
    from myst_nb import glue  # the book extra; imported here so the library does not need it

    plain = int(value) if isinstance(value, numbers.Integral) else float(value)
    glue(name, plain, display=False)
    if manifest:
        record(name, plain, kind)


def glue_statistic(name: str, samples, k: float = 3.0) -> tuple[float, float]:
    """Glue the mean of ``samples`` (one value per seed) under ``name``, and record it in the manifest as a
    ``seed-statistic``: its tolerance is ``k`` standard errors of the mean (sample standard deviation over
    sqrt(count)), measured from these samples. For a number from training that can drift between machines (after
    an unstable phase, or trained in float32), where a single seed's value could move. Returns the mean and its
    standard error."""
    from myst_nb import glue

    values = [float(v) for v in samples]
    if len(values) < 2 or not all(math.isfinite(v) for v in values):
        raise ValueError(f"{name}: a seed statistic needs at least two finite samples, got {values}")
    mean = math.fsum(values) / len(values)
    se = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1) / len(values))
    glue(name, mean, display=False)
    record(name, mean, "seed-statistic", se=se, k=k)
    return mean, se


@dataclass(frozen=True)
class ToleranceClass:
    """How close a rebuild's number must come to the reference: ``|run - ref| <= max(rel_tol |ref|, abs_tol)``
    (``scripts/results.py`` explains each class and its measured basis)."""

    name: str
    rel_tol: float
    abs_tol: float
    why: str


TOLERANCE_CLASSES = {
    "exact": ToleranceClass(
        "exact", 0.0, 0.0,
        "an integer (a count over deterministic runs, or a configuration value): must match exactly"),
    "float64": ToleranceClass(
        "float64", 1e-6, 1e-12,
        "deterministic float64 (flow engines, NumPy/SciPy) from fixed seeds: only rounding differs between "
        "machines (another BLAS kernel or vector width sums in another order); rel 1e-6 is at least 8 times the "
        "largest move measured under other kernel dispatch on two x86-64 processors (1.2e-7 and 3.2e-8, both the "
        "ratio S / (S1 - S2), whose denominator is a difference; all but three numbers moved by less than 1.1e-9); "
        "the adaptive solver's own tolerance is 1e-6"),
    "trained": ToleranceClass(
        "trained", 1e-7, 1e-12,
        "torch training in float64 on one thread from fixed seeds, read where training is stable: other CPU "
        "kernels change the last bit, and training amplifies that; rel 1e-7 is at least 10^3 times the largest move "
        "measured by make crosscheck under other kernel dispatch (1.1e-11)"),
    "seed-statistic": ToleranceClass(
        "seed-statistic", 0.0, math.nan,
        "a mean over seeds of a number read from training that can drift between machines (an unstable phase, or "
        "float32 arithmetic): tolerance k standard errors of the mean, measured from the seed spread of the "
        "reference run (a share of seeds that all agree has none: it must match exactly)"),
}


def record(name: str, value: float | int, kind: str | None = None, se: float | None = None,
           k: float | None = None) -> None:
    """Add ``name`` to the results file named by ``$COOCCUR_RESULTS_FILE`` (nothing if it is unset), as
    ``{"value", "class"}`` (and ``"se"``, ``"k"`` for a seed statistic). ``kind`` defaults to ``exact`` for an
    integer and ``float64`` for a real number; a non-finite value is recorded as ``None``."""
    target = os.environ.get("COOCCUR_RESULTS_FILE")
    if kind is None:
        kind = "exact" if isinstance(value, numbers.Integral) else "float64"
    check_choice("tolerance class", kind, tuple(TOLERANCE_CLASSES))
    if kind == "exact" and not isinstance(value, numbers.Integral):
        raise ValueError(f"{name}: an exact number must be an integer, got {value!r}")
    if not target:
        return
    path = Path(target)
    results = json.loads(path.read_text()) if path.exists() else {}
    entry = {"value": value if math.isfinite(value) else None, "class": kind}
    if kind == "seed-statistic":
        entry.update(se=se, k=k)
    results[name] = entry
    write_atomic(path, lambda fh: fh.write(json.dumps(results, indent=1, sort_keys=True).encode()))


#: The environment variable that makes a figure's layout problems an error (:func:`glue_figure`) outside the
#: book's build: the chapters' smoke tests set it to 1. The build sets ``COOCCUR_RESULTS_FILE``, which does too.
STRICT_FIGURES = "COOCCUR_STRICT_FIGURES"


def strict_figures() -> bool:
    """Whether :func:`glue_figure` raises on a figure's layout problems: in the book's build (``$COOCCUR_RESULTS_FILE``
    set) and wherever ``$COOCCUR_STRICT_FIGURES`` is set to anything but 0 (the smoke tests); not on a reader's
    rerun."""
    return bool(os.environ.get("COOCCUR_RESULTS_FILE")) or os.environ.get(STRICT_FIGURES, "0") not in ("", "0")


def glue_figure(name: str, fig) -> None:
    """Glue a Matplotlib figure under ``name`` for a ``{glue:figure}`` directive, as the PNG of
    :func:`cooccur.plots.png_bytes` (the same pixels whatever Matplotlib backend the kernel has), and close it, so
    it appears once, with its caption.

    The figure's layout is checked first (:func:`cooccur.plots.collisions`: texts that collide, legends on data):
    a problem raises ``ValueError`` naming the figure and every problem when :func:`strict_figures` (the book's
    build, the smoke tests), and is only a warning on a reader's rerun, whose figure is still glued."""
    import matplotlib.pyplot as plt
    from IPython.display import Image
    from myst_nb import glue

    problems = collisions(fig)
    if problems:
        message = f"figure {name}: {len(problems)} layout problem(s):\n  " + "\n  ".join(problems)
        if strict_figures():
            plt.close(fig)
            raise ValueError(message)
        warnings.warn(message, stacklevel=2)
    glue(name, Image(data=png_bytes(fig), format="png"), display=False)
    plt.close(fig)


def glue_interactive(name: str, fig) -> None:
    """Glue a Plotly figure (:mod:`cooccur.plots.interactive`) under ``name`` for a ``{glue:figure}``, as HTML that
    draws it with plotly.js, which the book ships with the page (``book/_ext/interactive.py``): it works offline.
    The element Plotly draws into has the id ``<name>-plot`` (never a figure's label, which has dashes)."""
    from IPython.display import HTML
    from myst_nb import glue

    html = fig.to_html(include_plotlyjs=False, full_html=False, div_id=f"{name}-plot",
                       config={"displaylogo": False, "responsive": True})
    glue(name, HTML(html), display=False)


def glue_text(name: str, text: str) -> None:
    """Glue a short phrase chosen by the run (e.g. "holds" / "fails") for ``{glue:text}`name` ``."""
    from myst_nb import glue

    glue(name, str(text), display=False)


def glue_readings(readings: Readings) -> None:
    """Glue everything a study reports (:class:`cooccur.readings.Readings`): its numbers and texts, its statistics
    over seeds (:func:`glue_statistic`), its machine facts kept out of the manifest, and record its table cells in
    the manifest."""
    for name, value in readings.numbers.items():
        number, kind = value if isinstance(value, tuple) else (value, None)  # (value, tolerance class)
        glue_number(name, number, kind=kind)
    for name, samples in readings.statistics.items():
        glue_statistic(name, samples)
    for name, text in readings.texts.items():
        glue_text(name, text)
    for name, value in readings.unrecorded.items():
        glue_number(name, value, manifest=False)
    for name, value in readings.recorded.items():
        record(name, value)


def _mark(flag: bool) -> str:
    return "yes" if flag else "**no**"


def _cell(text: str | None) -> str:
    return "" if text is None else str(text).replace("|", "\\|")


def verdict_table(verdicts: dict[str, dict], claims: list[str] | None = None, prefix: str | None = None) -> str:
    """A Markdown table of verdicts, one row per (statement, setting): the statement, whether it holds (yes,
    **no**, undecided or by construction), whether its premises are met, the setting (a column only when
    there are several), and what was measured, with the prediction (its constant explicit) folded under it.
    ``verdicts[setting][claim]`` is a :class:`cooccur.claims.Verdict`.

    With ``prefix``, each verdict's ``holds`` and ``premise_met`` also go to the results manifest as
    ``{prefix}.{setting}.{claim}.holds`` (1 or 0; ``.undecided`` = 1 in its place for an undecided verdict), so a
    rebuild that flips a verdict fails the comparison.
    """
    settings = list(verdicts)
    several = len(settings) > 1
    rows = ["| statement | holds | premises met |" + (" setting |" if several else "") + " measured |",
            "|---|---|---|" + ("---|" if several else "") + "---|"]
    names = claims if claims is not None else list(verdicts[settings[0]])
    for claim in names:
        for setting in settings:
            v = verdicts[setting][claim]
            holds = "by construction" if v.by_construction else "undecided" if v.undecided else _mark(v.holds)
            measured = _cell(v.detail) + (f" {folded(_cell(v.predicted), 'prediction', inline=True)}"
                                          if v.predicted else "")
            rows.append(f"| `{claim}` | {holds} | {_mark(v.premise_met)} |" + (f" {setting} |" if several else "")
                        + f" {measured} |")
            if prefix is not None and not v.by_construction:
                record(f"{prefix}.{setting}.{claim}.{'undecided' if v.undecided else 'holds'}",
                       1 if v.undecided else int(v.holds))
                record(f"{prefix}.{setting}.{claim}.premise_met", int(v.premise_met))
    return "\n".join(rows)


def premise_table(premises_by_setting: dict[str, dict]) -> str:
    """A Markdown table of :func:`cooccur.claims.premises` for several settings: met, and why."""
    settings = list(premises_by_setting)
    rows = ["| premise | " + " | ".join(settings) + " |", "|---|" + "---|" * len(settings)]
    for key in premises_by_setting[settings[0]]:
        cells = [f"{_mark(p[key].met)}: {_cell(p[key].why)}" for p in premises_by_setting.values()]
        rows.append(f"| `{key}` | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def config_table(experiments: dict) -> str:
    """Markdown for the configurations of several :class:`cooccur.experiment.Experiment`: a short table of the
    fields that differ between them or from the library's defaults (``Experiment()``, the paper's experiment),
    those that differ between them in bold, then the table of every field in a collapsed ``<details>`` block."""
    names = list(experiments)
    flat = {name: e.flat() for name, e in experiments.items()}
    defaults = Experiment().flat()
    header = ["| field | " + " | ".join(names) + " | default |", "|---|" + "---|" * (len(names) + 1)]
    short, full = list(header), list(header)
    for key in flat[names[0]]:
        values = [flat[name][key] for name in names]
        differ = len({repr(v) for v in values}) > 1
        cells = [f"**{_fmt_value(v)}**" if differ else _fmt_value(v) for v in values]
        row = f"| `{key}` | " + " | ".join(cells) + f" | {_fmt_value(defaults[key])} |"
        full.append(row)
        if differ or any(repr(v) != repr(defaults[key]) for v in values):
            short.append(row)
    if len(short) == len(header):
        short = ["Every field has the library's default value (the paper's experiment)."]
    return "\n".join([*short, "", folded("\n".join(full), f"All {len(full) - len(header)} fields")])


def folded(markdown: str, summary: str, inline: bool = False) -> str:
    """``markdown`` (a table, say) in a collapsed ``<details>`` block that opens on ``summary``; ``inline`` puts it
    on one line, for a table cell."""
    gap = "" if inline else "\n\n"
    return f"<details><summary>{summary}</summary>{gap}{markdown}{gap}</details>"


def values_table(values: dict[str, object], header: tuple[str, str] = ("setting", "value")) -> str:
    """A two-column Markdown table of named values (a run's settings, versions), formatted as in the other
    tables."""
    rows = [f"| {header[0]} | {header[1]} |", "|---|---|"]
    rows += [f"| {name} | {_fmt_value(value)} |" for name, value in values.items()]
    return "\n".join(rows)


def rows_table(rows: list[dict[str, object]], formats: dict[str, str] | None = None) -> str:
    """A Markdown table with one row per dict of ``rows`` and the keys of the first as column headers; a value is
    formatted by ``formats[column]`` (a format spec such as ``".2f"``) when given, else as in the other tables."""
    if not rows:
        return ""
    formats = formats or {}
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [format(row[c], formats[c]) if c in formats else _fmt_value(row[c]) for c in columns]
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(lines)


def count_table(verdicts_by_setting: dict[str, list[dict]], claims: list[str], prefix: str | None = None) -> str:
    """A Markdown table: for each statement and setting, on how many seeds its premises are met and it holds.
    ``verdicts_by_setting[setting]`` is a list over seeds of ``check_all`` results. With ``prefix``, the counts go
    to the results manifest as ``{prefix}.{setting}.{claim}.holds_seeds``."""
    settings = list(verdicts_by_setting)
    header = "| statement | " + " | ".join(f"{s}: premises met / holds" for s in settings) + " |"
    rows = [header, "|---|" + "---|" * len(settings)]
    for claim in claims:
        cells = []
        for setting, runs in verdicts_by_setting.items():
            tested = [v[claim] for v in runs if v[claim].counted]  # by construction or undecided: not counted
            undecided = sum(v[claim].undecided for v in runs)
            if not tested:
                cells.append(f"undecided on {undecided}" if undecided else "by construction")
                continue
            met = sum(v.premise_met for v in tested)
            held = sum(v.holds for v in tested)
            cells.append(f"{met} / {held} of {len(tested)}" + (f" ({undecided} undecided)" if undecided else ""))
            if prefix is not None:
                record(f"{prefix}.{setting}.{claim}.holds_seeds", held)
        rows.append(f"| `{claim}` | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def dashboard_table(board, prefix: str | None = None) -> str:
    """The intro's dashboard (:class:`cooccur.dashboard.Dashboard`): its table, then the counts behind each mark
    (:func:`count_table`, with ``prefix`` recorded in the manifest) folded under it."""
    counts = count_table(board.verdicts, list(CLAIMS), prefix=prefix)
    return rows_table(board.rows) + "\n\n" + folded(counts, "On how many seeds the premises held / it held")


def measured_table(verdicts: dict[str, dict], claim: str, rows: dict[str, tuple[str, str | None]]) -> str:
    """A Markdown table of one statement's measured numbers side by side for several settings.

    ``verdicts[setting]`` is a ``check_all`` result; ``rows[label] = (measured key, bound key or None)``: each cell
    shows the measured value, and "<= bound" when a bound key is given.
    """
    settings = list(verdicts)
    out = ["| quantity | " + " | ".join(settings) + " |", "|---|" + "---|" * len(settings)]
    for label, (key, bound) in rows.items():
        cells = []
        for setting in settings:
            m = verdicts[setting][claim].measured
            cell = f"{m[key]:.3g}"
            if bound is not None:
                cell += f" (bound {m[bound]:.3g})"
            cells.append(cell)
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def sweep_table(sweeps: dict) -> str:
    """A Markdown table of sweeps (:class:`cooccur.sweep.Sweep` by name): base, axes, seeds and number of runs."""
    rows = ["| sweep | base | axes | seeds | runs |", "|---|---|---|---|---|"]
    for name, s in sweeps.items():
        base = "; ".join(f"`{section}.{k}` = {_fmt_value(v)}" for section, fields in s.base.items()
                         for k, v in fields.items())
        axes = "; ".join(f"`{axis}` ∈ {_fmt_value(values)}" for axis, values in s.axes.items())
        rows.append(f"| `{name}` | {base} | {axes} | {_fmt_value(s.seeds)} | {len(s.runs)} |")
    return "\n".join(rows)


def premise_summary_table(summary) -> str:
    """A Markdown table of :func:`cooccur.sweep.premise_summary`: per statement, the runs with its premises met
    and the share on which it holds, the same for the runs that break them, and where it fails inside them, with
    every cause the verdicts give there and on how many runs (:func:`cooccur.sweep.failure_causes`)."""
    rows = ["| statement | premises met: runs, holds | premises broken: runs, holds | fails inside its premises at "
            "| every cause given there (runs) |", "|---|---|---|---|---|"]

    def share(runs: int, fraction: float) -> str:
        return f"{runs}, {fraction:.0%}" if runs else "0"

    for r in summary.itertuples():
        if getattr(r, "by_construction", 0) and not r.runs_inside and not r.runs_outside:
            rows.append(f"| `{r.claim}` | holds by construction on these runs: not counted | - | - | - |")
            continue
        inside, outside = share(r.runs_inside, r.holds_inside), share(r.runs_outside, r.holds_outside)
        if getattr(r, "undecided_inside", 0):
            inside += f" ({r.undecided_inside} more undecided)"
        if getattr(r, "undecided_outside", 0):
            outside += f" ({r.undecided_outside} more undecided)"
        rows.append(f"| `{r.claim}` | {inside} | {outside} | {_cell(r.fails_inside_at) or '-'} "
                    f"| {_cell(getattr(r, 'causes', r.reason)) or '-'} |")
    return "\n".join(rows)


def order_table(orders_by_scale: dict[float, dict[str, Verdict]], main_scale: float,
                statements: dict[str, Order], per_scale_prediction: bool = False) -> str:
    """A Markdown table of order verdicts over initial scales: per statement, per scale "yes"/"**no**" with the
    fitted exponent and its 95% interval, and the smallest allowance delta at which it would hold at
    ``main_scale``; a last row says whether the premises held on every run at each scale.

    For statements whose exponent is a power of m (Theorem 3.1) the predicted exponent a is one column, with the
    kind (Theta or O) and whether the quantity is of its order already at t = 0
    (:attr:`cooccur.claims.Order.from_start`); with ``per_scale_prediction`` (Theorem 3.3 at T*, where the
    prediction is each run's formula and its slope differs by scale) each cell ends "against" its own prediction
    instead."""
    def cell(v: Verdict) -> str:
        if v.undecided:
            return "undecided"
        text = f"{_mark(v.holds)}: {v.measured['exponent']:.2f} [{v.measured['low']:.2f}, {v.measured['high']:.2f}]"
        return f"{text} against {v.measured['predicted']:.2f}" if per_scale_prediction else text

    main, needed = orders_by_scale[main_scale], f"holds for delta >= (s = {main_scale:g})"
    rows = []
    for name, order in statements.items():
        head = {"statement": name} if per_scale_prediction else {
            "statement": name, "kind": order.kind,
            "a": "" if main[name].undecided else f"{main[name].measured['predicted']:.2f}"}
        tail = {} if per_scale_prediction else {"of its order at t = 0": "yes" if order.from_start else "no"}
        rows.append({**head, **{f"s = {scale:g}": cell(verdicts[name]) for scale, verdicts in orders_by_scale.items()},
                     needed: "" if main[name].undecided else f"{main[name].measured['delta_needed']:.2f}", **tail})
    first = next(iter(statements))
    rows.append({**dict.fromkeys(rows[0], ""), "statement": "premises (Condition 1, lazy Phase 1) on every run",
                 **{f"s = {scale:g}": _mark(verdicts[first].premise_met)
                    for scale, verdicts in orders_by_scale.items()}})
    return rows_table(rows)


def margin_rule_table(held: dict[float, dict[str, int]], runs: dict[str, int]) -> str:
    """A Markdown table of :func:`cooccur.claims.held_by_margin`: per T1 rule c, per setting, on how many of its
    ``runs[setting]`` runs Theorem 3.2's item 3 holds."""
    names = list(runs)
    rows = ["| T1 rule: every margin ≥ c | " + " | ".join(f"{name}: seeds where item 3 holds" for name in names)
            + " |", "|---|" + "---|" * len(names)]
    rows += [f"| c = {c:g} | " + " | ".join(f"{by[name]} of {runs[name]}" for name in names) + " |"
             for c, by in held.items()]
    return "\n".join(rows)


def structure_table(verdicts: dict[str, Verdict]) -> str:
    """A Markdown table of Theorem 3.3's structure verdicts (``thm3.3.structure``), one row per setting: the four
    coefficients of A(T*) - A(0), their size against the predicted order, the largest filler coefficient, the
    smallest target coefficient over it and the predicted ratio."""
    rows = ["| setting | $C_{12}$ | $C_{21}$ | $C_{31}$ | $C_{32}$ | $\\lvert C\\rvert$ / predicted order | "
            "largest filler coefficient | smallest target / largest filler | predicted ratio |",
            "|---|---|---|---|---|---|---|---|---|"]
    for name, v in verdicts.items():
        m = v.measured
        rows.append(f"| {name} | {m['C12']:.2e} | {m['C21']:.2e} | {m['C31']:.2e} | {m['C32']:.2e} | "
                    f"{m['min_C_over_prediction']:.2f} to {m['max_C_over_prediction']:.2f} | "
                    f"{m['max_filler']:.2e} | {m['core_over_filler']:.2f} | {m['predicted_ratio']:.2f} |")
    return "\n".join(rows)


def _fmt_value(value) -> str:
    if value is None:
        return "–"  # not set (a reader should not see Python's None)
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_fmt_value(v) for v in value) + ")"
    return str(value)


def downloads(tables: dict[str, str | os.PathLike]) -> str:
    """Markdown offering result tables for download from the chapter's page, each as Parquet and as CSV (written
    next to it): ``tables[what the table holds]`` is the Parquet file's path, relative to the chapter's folder
    (the folder a chapter runs in). The book's build copies the files into the page's ``_downloads``."""
    import pandas as pd

    lines = []
    for label, parquet in tables.items():
        parquet = Path(parquet)
        csv, table = parquet.with_suffix(".csv"), pd.read_parquet(parquet)
        table.to_csv(csv, index=False)
        lines.append(f"- {label}: {{download}}`Parquet <{parquet.as_posix()}>`, "
                     f"{{download}}`CSV <{csv.as_posix()}>` ({len(table)} runs)")
    return "**The result tables**, one row per run with everything it recorded, to download:\n\n" + "\n".join(lines)


def show(markdown: str) -> None:
    """Display a Markdown string (a table renders as an HTML table in the book)."""
    from IPython.display import Markdown, display

    display(Markdown(markdown))
