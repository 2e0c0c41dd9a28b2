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
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from build_book import BUILD, REFERENCE, ROOT, chapters, execute
from results import collect, compare, moves

#: Environment settings that make this machine's libraries pick other kernels (x86-64 only). Each value is what the
#: probe must then report. Settings the machine cannot honour (AVX-512 on a machine without it) are not needed:
#: both settings ask for less than a machine of the last ten years has.
SETTINGS: dict[str, dict[str, str]] = {
    "avx2": {  # a machine without AVX-512 (most laptops, AMD before Zen 4)
        "ATEN_CPU_CAPABILITY": "avx2",
        "MKL_ENABLE_INSTRUCTIONS": "AVX2",
        "OPENBLAS_CORETYPE": "Haswell",
        "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",
    },
    "baseline": {  # no vector kernels beyond SSE4.2: torch's scalar code, SSE BLAS kernels
        "ATEN_CPU_CAPABILITY": "default",
        "MKL_ENABLE_INSTRUCTIONS": "SSE4_2",
        "OPENBLAS_CORETYPE": "Nehalem",
        "NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL AVX512_SPR",
    },
}

#: What the probe must report under each setting: torch capability, MKL instruction set, OpenBLAS core type, and
#: NumPy's highest enabled dispatch target.
EXPECTED = {
    "avx2": {"torch": "AVX2", "mkl": "AVX2", "openblas": "Haswell", "numpy": "X86_V3"},
    "baseline": {"torch": "DEFAULT", "mkl": "SSE4_2", "openblas": "Nehalem", "numpy": "baseline"},
}

PROBE = r"""
import json
import numpy, threadpoolctl, torch
from numpy._core import _multiarray_umath as m
enabled = [t for t in m.__cpu_dispatch__ if m.__cpu_features__.get(t)]
blas = [i.get("architecture") for i in threadpoolctl.threadpool_info() if i.get("internal_api") == "openblas"]
a = torch.ones(64, 64, dtype=torch.float64)
a @ a  # MKL_VERBOSE=1 makes MKL name its instruction set on stdout
print("\nPROBE " + json.dumps({"torch": torch.backends.cpu.get_cpu_capability(), "openblas": blas[0] if blas else None,
                               "numpy": enabled[-1] if enabled else "baseline"}))
"""

MKL_SETS = (("AVX-512", "AVX512"), ("AVX2", "AVX2"), ("AVX)", "AVX"), ("SSE4.2", "SSE4_2"), ("SSE4_2", "SSE4_2"))


def probe(env: dict[str, str]) -> dict[str, str | None]:
    """What a fresh process started with ``env`` computes with: ``{"torch", "mkl", "openblas", "numpy"}``."""
    done = subprocess.run([sys.executable, "-c", PROBE], env={**env, "MKL_VERBOSE": "1"}, capture_output=True,
                          text=True)
    if done.returncode != 0 or "\nPROBE " not in done.stdout:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise SystemExit(f"crosscheck: a process could not start under this setting:\n{tail}")
    found = json.loads(done.stdout.split("\nPROBE ", 1)[1])
    banner = next((line for line in done.stdout.splitlines() if "Product build" in line), "")
    found["mkl"] = next((name for text, name in MKL_SETS if text in banner), None) if banner else None
    return found


def check_setting(name: str, env: dict[str, str], native: dict) -> tuple[list[str], list[str]]:
    """``(problems, same)``: what the probe reports other than :data:`EXPECTED` under the setting, and which
    libraries it leaves on this machine's own kernels (that part of the check then proves no more than a
    rebuild)."""
    found = probe(env)
    print(f"  {name}: torch {found['torch']}, MKL {found['mkl']}, OpenBLAS {found['openblas']}, "
          f"NumPy up to {found['numpy']}")
    problems = [f"{name}: {lib} reports {found[lib]!r}, expected {want!r} (did the setting take effect?)"
                for lib, want in EXPECTED[name].items() if found[lib] != want]
    same = [lib for lib in EXPECTED[name] if found[lib] == native[lib]]
    if same:
        print(f"  note: under {name}, {', '.join(same)} use this machine's own kernels: "
              "that part of the check proves no more than a rebuild")
    return problems, same


def run_setting(name: str, names: list[str], out: Path) -> dict[str, dict]:
    """Execute ``names`` under setting ``name`` with an empty run cache; return their recorded numbers."""
    from cooccur.chapters import parameters as chapter_parameters

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
            print(f"  executing {chapter} under {name} ...", flush=True)
            start = time.perf_counter()
            execute(ROOT / "book" / f"{chapter}.py", params, base / f"{chapter}.ipynb",
                    base / "results" / f"{chapter}.json")
            print(f"    done in {time.perf_counter() - start:.1f} s", flush=True)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return collect(base / "results")


def print_moves(name: str, table: dict[str, dict]) -> None:
    print(f"\nlargest move per tolerance class under {name} (as a fraction of the tolerance; 1 = at its edge):")
    print(f"  {'class':15s} {'entries':>7s} {'moved':>6s} {'failed':>6s} {'largest':>10s} {'relative':>10s}  number")
    for cls, row in sorted(table.items()):
        print(f"  {cls:15s} {row['entries']:7d} {row['moved']:6d} {row['failed']:6d} {_g(row['largest']):>10s} "
              f"{_g(row['largest_rel']):>10s}  {row['which'] if row['largest'] > 0 else '-'}")


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


def _g(x: float) -> str:
    return "inf" if math.isinf(x) else ("0" if x == 0 else f"{x:.2g}")


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
    problems = [problem for found, _ in checked.values() for problem in found]
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
                          "passed": passed, "classes": table, "seconds": round(time.perf_counter() - start, 1),
                          "date": time.strftime("%Y-%m-%d")}
    if args.summary:
        write_summary(args.summary, native, measured)
        print(f"wrote {args.summary}")
    print("crosscheck:", "every number within its tolerance" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
