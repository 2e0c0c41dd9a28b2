"""Re-execute the book's chapters under other CPU kernels and compare every number with the reference manifest.

A number the book quotes must come out the same on a reader's machine as on the one that wrote
``book/reference-results.json``. Machines differ in the kernels their libraries pick at run time: torch's own
vector kernels (``ATEN_CPU_CAPABILITY``), the BLAS behind torch (MKL on x86-64: ``MKL_ENABLE_INSTRUCTIONS``), the
BLAS behind NumPy and SciPy (OpenBLAS: ``OPENBLAS_CORETYPE``) and NumPy's own vector loops
(``NPY_DISABLE_CPU_FEATURES``). This script imitates other machines on this one: for each setting in
:data:`SETTINGS` it

1. checks in a fresh process that the setting took effect (torch's capability, MKL's instruction set as its
   verbose mode reports it, OpenBLAS's core type through threadpoolctl, NumPy's enabled dispatch targets), and
   fails if it did not;
2. executes the chapters with papermill under that setting, each with an empty run cache and fresh sweep tables
   (a warm cache would hand back runs computed under the first setting and prove nothing);
3. compares every number with the reference under its tolerance class (``scripts/results.py``) and prints, per
   class, the number of entries, how many moved at all and the largest move as a fraction of its tolerance.

    python scripts/crosscheck.py                                # every chapter, settings avx2 and baseline
    python scripts/crosscheck.py --chapters markov scan_snap --settings avx2
    python scripts/crosscheck.py --chapters markov scan_snap --settings auto   # what CI runs
    python scripts/crosscheck.py --summary book/crosscheck.json # also write the table the reproducing chapter shows

Exit status 1 if a setting did not take effect or any number left its tolerance.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

from build_book import BUILD, REFERENCE, ROOT, chapters
from kernels import EXPECTED, SETTINGS, check_setting, print_moves, probe
from results import collect, compare, moves


def run_setting(name: str, names: list[str], out: Path) -> dict[str, dict]:
    """Execute ``names`` under setting ``name`` with an empty run cache; return their recorded numbers."""
    from cooccur.chapters import execute
    from cooccur.parameters import chapter_parameters

    base = out / name
    shutil.rmtree(base, ignore_errors=True)
    (base / "results").mkdir(parents=True)
    saved = {key: os.environ.get(key) for key in [*SETTINGS[name], "COOCCUR_CACHE_DIR", "COOCCUR_RESULTS_FILE"]}
    cache = Path(tempfile.mkdtemp(prefix=f"crosscheck-{name}-cache-"))
    os.environ.update(SETTINGS[name], COOCCUR_CACHE_DIR=str(cache))  # inherited by the kernel and its workers
    try:
        for chapter in names:
            params = {"results_dir": str(base / "tables" / chapter)} if "results_dir" in chapter_parameters(
                chapter) else {}
            start = time.perf_counter()
            execute(chapter, base / f"{chapter}.ipynb", params, results_file=base / "results" / f"{chapter}.json")
            print(f"    {chapter} done under {name} in {time.perf_counter() - start:.1f} s", flush=True)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return collect(base / "results")


def write_summary(path: Path, native: dict, measured: dict[str, dict]) -> None:
    """Merge this run's per-setting tables into the JSON summary at ``path`` (a setting run again replaces its
    entry), so that runs of different chapters under different settings add up to one table."""
    summary = json.loads(path.read_text()) if path.exists() else {}
    summary["about"] = ("Written by scripts/crosscheck.py --summary: per kernel setting, the chapters re-executed "
                        "and, per tolerance class, how far their numbers moved from book/reference-results.json.")
    summary["machine"] = native
    summary.setdefault("settings", {}).update(measured)
    for entry in summary["settings"].values():  # JSON has no infinity
        for row in entry["classes"].values():
            for key in ("largest", "largest_rel"):
                row[key] = None if row[key] is not None and math.isinf(row[key]) else row[key]
    path.write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n")


def main() -> int:
    names_all = [path.stem for path in chapters()]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", nargs="+", default=names_all, choices=names_all, metavar="CHAPTER",
                        help=f"chapters to re-execute (default: all: {' '.join(names_all)})")
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=[*SETTINGS, "auto"],
                        help="kernel settings to imitate (default: all); auto: the first whose torch kernels differ "
                             "from this machine's own (avx2 on an AVX-512 machine, else baseline)")
    parser.add_argument("--out", type=Path, default=BUILD.parent / "_crosscheck",
                        help="where executed notebooks and results go (default: _crosscheck)")
    parser.add_argument("--summary", type=Path, help="also write the per-class table as JSON here")
    args = parser.parse_args()
    if platform.machine() not in ("x86_64", "AMD64"):
        print(f"crosscheck imitates x86-64 machines only; this one is {platform.machine()}", file=sys.stderr)
        return 2

    print("kernels in use:")
    native = probe(dict(os.environ))
    print(f"  this machine: torch {native['torch']}, MKL {native['mkl']}, OpenBLAS {native['openblas']}, "
          f"NumPy up to {native['numpy']}")
    if "auto" in args.settings:
        args.settings = [next(name for name in SETTINGS if EXPECTED[name]["torch"] != native["torch"])]
        print(f"  auto: {args.settings[0]}")
    checked = {name: check_setting(name, {**os.environ, **SETTINGS[name]}, native) for name in args.settings}
    problems = [problem for found, _, _ in checked.values() for problem in found]
    if problems:
        print("\n".join(f"error: {p}" for p in problems), file=sys.stderr)
        return 1

    ok, measured = True, {}
    for name in args.settings:
        start = time.perf_counter()
        results = run_setting(name, args.chapters, args.out)
        print(f"\nnumbers under {name} against {REFERENCE.relative_to(ROOT)}:")
        passed = compare(results, REFERENCE, only_chapters=set(args.chapters))
        ok &= passed
        table = moves(results, REFERENCE)
        print_moves(name, table)
        measured[name] = {"chapters": args.chapters, "env": SETTINGS[name], "kernels": EXPECTED[name],
                          "same_as_native": checked[name][1],
                          "unconfirmed": checked[name][2],
                          "passed": passed, "classes": table, "seconds": round(time.perf_counter() - start, 1),
                          "date": time.strftime("%Y-%m-%d")}
    if args.summary:
        write_summary(args.summary, native, measured)
        print(f"wrote {args.summary}")
    print("crosscheck:", "every number within its tolerance" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
