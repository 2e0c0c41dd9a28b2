"""The results manifest: every number the book quotes, compared with a committed reference.

While the book builds, each chapter records every number it glues into the prose in
``_build/results/<chapter>.json`` (:func:`cooccur.report.record`). :func:`collect` merges them into one mapping
``"<chapter>::<name>" -> value``; :func:`compare` checks it against ``book/reference-results.json`` and prints a
table; :func:`write_reference` regenerates that file (``make reference``).

Tolerances. Every run in the book has fixed seeds, so seed-to-seed spread plays no part in a rebuild: the only
source of difference is floating-point rounding (another BLAS build or CPU kernel, another summation order).
Counts (of seeds on which a claim holds, of steps) are integers and must match exactly. Real numbers get a
relative tolerance of 1e-6 (and an absolute one of 1e-12 for values near zero): rebuilds on one machine agree
to the last bit (the determinism test checks this), and rounding differences of order 1e-16 grow along the
flow by far less than 1e-6 over the book's horizons.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

REL_TOL = 1e-6
ABS_TOL = 1e-12
WHY_COUNT = "an integer count over fixed seeds: deterministic, must match exactly"
WHY_REAL = "fixed seeds, so only floating-point rounding differs between rebuilds; rel 1e-6 bounds its growth"


def collect(results_dir: Path) -> dict[str, float | int | None]:
    """Merge the per-chapter result files into ``{"chapter::name": value}``."""
    merged = {}
    for path in sorted(results_dir.glob("*.json")):
        for name, value in json.loads(path.read_text()).items():
            merged[f"{path.stem}::{name}"] = value
    return merged


def write_reference(results: dict, path: Path) -> None:
    """Write the reference manifest for ``results`` with a tolerance and its reason for every number."""
    numbers = {}
    for key, value in sorted(results.items()):
        if isinstance(value, int):
            numbers[key] = {"value": value, "rel_tol": 0.0, "abs_tol": 0, "why": WHY_COUNT}
        else:
            numbers[key] = {"value": value, "rel_tol": REL_TOL, "abs_tol": ABS_TOL, "why": WHY_REAL}
    manifest = {
        "about": "Numbers quoted in the book, with tolerances. Regenerate deliberately with `make reference`.",
        "numbers": numbers,
    }
    path.write_text(json.dumps(manifest, indent=1) + "\n")


def within(value, entry: dict) -> bool:
    ref = entry["value"]
    if value is None or ref is None:
        return value is None and ref is None
    if isinstance(ref, int) and entry["rel_tol"] == 0 and entry["abs_tol"] == 0:
        return value == ref
    return math.isclose(value, ref, rel_tol=entry["rel_tol"], abs_tol=entry["abs_tol"])


def compare(results: dict, reference_path: Path) -> bool:
    """Print a table of every number against the reference; True if all pass and none is missing or new."""
    if not reference_path.exists():
        print(f"no reference manifest at {reference_path}: run `make reference` to create it")
        return False
    reference = json.loads(reference_path.read_text())["numbers"]
    rows, ok = [], True
    for key in sorted(set(reference) | set(results)):
        entry, value = reference.get(key), results.get(key, "missing")
        if entry is None:
            rows.append((key, "(new)", _fmt(value), "-", "FAIL: not in the reference"))
            ok = False
            continue
        tol = "exact" if entry["rel_tol"] == 0 else f"rel {entry['rel_tol']:g}"
        passed = value != "missing" and within(value, entry)
        ok &= passed
        verdict = "pass" if passed else ("FAIL: missing from this run" if value == "missing" else "FAIL")
        rows.append((key, _fmt(entry["value"]), _fmt(value), tol, verdict))
    width = max(len(r[0]) for r in rows)
    print(f"{'number':{width}s}  {'reference':>14s}  {'this run':>14s}  {'tolerance':>10s}  result")
    for key, ref, run, tol, verdict in rows:
        print(f"{key:{width}s}  {ref:>14s}  {run:>14s}  {tol:>10s}  {verdict}")
    failed = sum(1 for r in rows if r[4] != "pass")
    print(f"manifest: {len(rows) - failed} passed, {failed} failed")
    return ok


def _fmt(value) -> str:
    if value is None or isinstance(value, str):
        return str(value)
    return f"{value:d}" if isinstance(value, int) else f"{value:.8g}"
