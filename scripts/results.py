"""The results manifest: every number the book quotes, compared with a committed reference.

While the book builds, each chapter records every number it glues into the prose in
``_build/results/<chapter>.json`` (:func:`cooccur.report.record`): its value and its *tolerance class*.
:func:`collect` merges them into one mapping ``"<chapter>::<name>" -> entry``; :func:`compare` checks it against
``book/reference-results.json`` and prints a table; :func:`write_reference` regenerates that file
(``make reference``); :func:`moves` measures how far a run moved from the reference, per class, as a fraction of
each tolerance (``make crosscheck``).

What "reproducible" means differs by where a number comes from, so each number carries one of these classes (the
chapter names it when it records the number; :data:`cooccur.report.TOLERANCE_CLASSES`):

* ``exact``: integers, i.e. counts over deterministic runs and configuration values. Must match exactly.
* ``float64``: a real number computed by the float64 flow engines and NumPy/SciPy. Every run has fixed seeds, so
  only rounding can differ between two machines: another BLAS kernel or another vector width sums in another
  order. Tolerance: relative 1e-6. Measured under other kernels (``make crosscheck``, setting avx2, on an
  Intel processor; CI's ``make book KERNELS=auto`` against a reference written natively on an AMD one): all but
  three numbers move by less than 1.1e-9; the largest moves are 3.2e-8 and 1.2e-7, both the balancing chapter's
  gap ratio S / (S1 - S2) in the paper's setting, a ratio with a difference in its denominator, so the tolerance
  is 8 times the largest move seen. The adaptive Gram-flow solver is why moves can
  exceed rounding at all: a last-bit change can tip one of its error estimates and so its choice of step, which
  moves the solution by up to the solver's own tolerance (``SimConfig.rtol``, 1e-6 by default).
* ``trained``: a real number from training a torch model in float64 on one thread
  (:func:`cooccur.parallel.one_torch_thread`): Scan and Snap's model. Training can amplify a last-bit difference
  exponentially: a vector-form run of Local to Global from the authors' November 2024 start (seed 0), trained in
  float64 under torch's AVX-512 and AVX2 kernels, has losses that agree to 3e-14 (relative) up to iteration 600 and
  then part by a factor e about every 20 iterations, to 1e-6 at iteration 950. So a ``trained`` number is one read
  where training is stable; tolerance relative 1e-7.
* ``seed-statistic``: a mean over seeds of a number from training that can drift between machines: read after an
  unstable phase, or trained in float32, as the book trains Local to Global's transformer. Under AVX2 and AVX-512
  kernels its standard-start runs agree to 3e-5 over the 600 iterations it runs, but training amplifies float32
  rounding in others: two of its six groups of runs differ by up to 7% and 26% of the loss at some iterations,
  and a seed's crossing of a line moves by up to 14 iterations. Its tolerance is ``k`` standard errors of the mean
  (``k`` = 3 in the book), measured from the seed spread of the same run and written with the number; a mean over
  seeds that all agree has none. A rerun uses the same seeds, so it guards against a change of outcome, not
  against drift, which the crosscheck measures separately. Counts of seeds on either side of a line are ``exact``
  only where every seed lies clear of the line by margins the chapter asserts (``book/markov.py``); a count where
  the seeds cross (by iteration 300) is not quoted.

The measured basis of each tolerance (the largest move seen when the chapters are re-executed under other kernel
dispatch) is what ``make crosscheck`` prints and the ``reproducing`` chapter shows.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from cooccur.report import TOLERANCE_CLASSES

#: The tolerance classes, defined beside :func:`cooccur.report.record`, which writes each number's class.
CLASSES = TOLERANCE_CLASSES


def collect(results_dir: Path) -> dict[str, dict]:
    """Merge the per-chapter result files into ``{"chapter::name": entry}``, each entry as
    :func:`cooccur.report.record` writes it (``{"value", "class"}``, with ``"se"`` and ``"k"`` for a seed
    statistic)."""
    merged = {}
    for path in sorted(results_dir.glob("*.json")):
        for name, entry in json.loads(path.read_text()).items():
            merged[f"{path.stem}::{name}"] = entry
    return merged


def reference_entry(entry: dict) -> dict:
    """The reference manifest's entry for a recorded number: its value, class, tolerances and why."""
    cls = CLASSES[entry["class"]]
    out = {"value": entry["value"], "class": cls.name, "rel_tol": cls.rel_tol, "abs_tol": cls.abs_tol,
           "why": cls.why}
    if cls.name == "seed-statistic":
        out.update(k=entry["k"], se=entry["se"], abs_tol=entry["k"] * entry["se"])
        out["why"] = (f"{cls.why}: k = {entry['k']:g}, SE = {entry['se']:.3g}, so |run - ref| <= "
                      f"{out['abs_tol']:.3g}")
    return out


def write_reference(results: dict[str, dict], path: Path, kernels: dict | None = None) -> None:
    """Write the reference manifest for ``results`` with a class, tolerance and reason for every number, and the
    CPU kernels that computed them (``scripts/kernels.py``: what ``--kernels auto`` builds must differ from)."""
    manifest = {
        "about": "Numbers quoted in the book, with tolerances. Regenerate deliberately with `make reference`.",
        **({"kernels": kernels} if kernels else {}),
        "classes": {name: {"rel_tol": c.rel_tol, "abs_tol": c.abs_tol, "why": c.why} for name, c in CLASSES.items()
                    if name != "seed-statistic"},
        "numbers": {key: reference_entry(entry) for key, entry in sorted(results.items())},
    }
    path.write_text(json.dumps(manifest, indent=1, allow_nan=False) + "\n")


def allowed(entry: dict) -> float:
    """The largest |run - ref| the reference entry allows (0 for an exact number)."""
    ref = entry["value"]
    return max(entry["rel_tol"] * abs(ref), entry["abs_tol"]) if ref is not None else 0.0


def within(value, entry: dict) -> bool:
    ref = entry["value"]
    if value is None or ref is None:
        return value is None and ref is None
    if entry["class"] == "exact":
        return value == ref
    return abs(value - ref) <= allowed(entry)


def move(value, entry: dict) -> float:
    """How far ``value`` moved from the reference, as a fraction of the tolerance: 0 for no move, 1 at the edge
    of the tolerance, ``inf`` for any move of an exact number (or a number that appeared or vanished)."""
    ref = entry["value"]
    if value is None or ref is None:
        return 0.0 if value is None and ref is None else math.inf
    diff = abs(value - ref)
    if diff == 0:
        return 0.0
    tol = allowed(entry)
    return diff / tol if tol > 0 else math.inf


def compare(results: dict[str, dict], reference_path: Path, only_chapters: set[str] | None = None) -> bool:
    """Print a table of every number against the reference; True if all pass and none is missing or new.
    ``only_chapters``: compare just these chapters' numbers (a partial run, e.g. the crosscheck of some)."""
    if not reference_path.exists():
        print(f"no reference manifest at {reference_path}: run `make reference` to create it")
        return False
    reference = json.loads(reference_path.read_text())["numbers"]
    if only_chapters is not None:
        reference = {k: v for k, v in reference.items() if k.split("::")[0] in only_chapters}
    rows, ok = [], True
    for key in sorted(set(reference) | set(results)):
        entry, got = reference.get(key), results.get(key)
        value = got["value"] if got is not None else "missing"
        if entry is None:
            rows.append((key, "(new)", _fmt(value), "-", "FAIL: not in the reference"))
            ok = False
            continue
        tol = "exact" if entry["class"] == "exact" else f"{entry['class']} ±{allowed(entry):.2g}"
        passed = got is not None and within(value, entry)
        ok &= passed
        verdict = "pass" if passed else ("FAIL: missing from this run" if got is None else "FAIL")
        rows.append((key, _fmt(entry["value"]), _fmt(value), tol, verdict))
    width = max((len(r[0]) for r in rows), default=6)
    print(f"{'number':{width}s}  {'reference':>14s}  {'this run':>14s}  {'tolerance':>24s}  result")
    for key, ref, run, tol, verdict in rows:
        print(f"{key:{width}s}  {ref:>14s}  {run:>14s}  {tol:>24s}  {verdict}")
    failed = sum(1 for r in rows if r[4] != "pass")
    print(f"manifest: {len(rows) - failed} passed, {failed} failed")
    return ok


def moves(results: dict[str, dict], reference_path: Path) -> dict[str, dict]:
    """Per class, over the numbers of ``results`` that the reference knows: how many there are, how many moved at
    all, the largest move as a fraction of its tolerance (:func:`move`), the number that moved most, its relative
    move, and how many failed."""
    reference = json.loads(reference_path.read_text())["numbers"]
    table: dict[str, dict] = {}
    for key, got in sorted(results.items()):
        entry = reference.get(key)
        if entry is None:
            continue
        row = table.setdefault(entry["class"], {"entries": 0, "moved": 0, "largest": 0.0, "largest_rel": 0.0,
                                                "which": None, "failed": 0})
        row["entries"] += 1
        fraction = move(got["value"], entry)
        ref = entry["value"]
        rel = (abs(got["value"] - ref) / abs(ref) if ref not in (None, 0) and got["value"] is not None
               else (0.0 if fraction == 0 else math.inf))
        row["moved"] += fraction > 0
        row["failed"] += not within(got["value"], entry)
        if fraction > row["largest"] or (fraction == row["largest"] and row["which"] is None):
            row.update(largest=fraction, largest_rel=rel, which=key)
    return table


def _fmt(value) -> str:
    if value is None or isinstance(value, str):
        return str(value)
    return f"{value:d}" if isinstance(value, int) else f"{value:.8g}"
