"""Benchmark: the Gram flow's cost with dense products by Γ_A (the engine before issue 24) and sparse ones.

Γ_A = ∂L̂/∂A is nonzero only on the pairs of words that occur together in some sample (``Batch.pairs``); the
engine multiplies by it in sparse form when the pairs fill at most ``coordinates.SPARSE_SHARE`` of the d² entries.
Each case runs in a fresh process on one core with one BLAS thread, once per engine ("dense": SPARSE_SHARE = 0,
every product dense; "auto": the library's choice), and reports the best of ``--repeat`` timings, the peak
resident memory of that process and the largest relative difference of the two engines' losses, G and A:

* paper: the paper's setting (n=60, L=5, d=64, m=128, m1=256), T=300, the default 300-time recording grid;
* premise: the premise setting (n=60, L=5, d=163 distinct fillers, m=m1=128), T=300, the default grid;
* atlas: one seed of the fine width atlas (``book/atlas/width-fine.yaml``, 81 of its 810 runs), each run
  simulated and checked as a sweep row (``sweep.run_one``): core-seconds for all 810 runs, 10x the measured;
* large: n=240, L=7, distinct fillers, d = n L + 3 = 1683, m=m1=128, T=300, recorded at 0 and T only (the default
  grid would record A and VV, 2 x 300 x d² floats, 14 GB); the dense engine is run only with ``--large-dense``.

Usage: ``make bench`` (or ``python bench/bench_flow.py [--cases paper premise] [--repeat 3]``).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CASES = ("paper", "premise", "atlas", "large")
ENGINES = {"dense": 0.0, "auto": None}


def experiments(case: str) -> tuple[list, np.ndarray | None, int]:
    """(experiments, recording times or None for the default grid, factor from the runs timed to the case)."""
    from cooccur import sweep
    from cooccur.experiment import paper_setting, premise_setting

    if case == "paper":
        return [paper_setting(0, method="gram")], None, 1
    if case == "premise":
        return [premise_setting(0)], None, 1
    if case == "atlas":
        fine = sweep.load_sweep(ROOT / "book" / "atlas" / "width-fine.yaml", seeds=[0])
        return [run.experiment for run in fine.runs], None, 10
    exp = premise_setting(0, data={"n": 240, "L": 7, "d": 240 * 7 + 3})
    return [exp], np.array([0.0, exp.sim.T]), 1


def measure(case: str, engine: str, repeat: int, out: Path) -> None:
    """In this process: time ``case`` under ``engine`` and write seconds, peak memory and readings to ``out``."""
    from cooccur import coordinates, sweep
    from cooccur.flow import one_blas_thread

    if ENGINES[engine] is not None:
        coordinates.SPARSE_SHARE = ENGINES[engine]
    exps, times, factor = experiments(case)
    best, result = float("inf"), None
    with one_blas_thread():
        for _ in range(1 if case in ("atlas", "large") else repeat):
            start = time.perf_counter()
            if case == "atlas":
                rows = [sweep.run_one(exp)[0] for exp in exps]
                result = {"T1": np.array([row["T1"] for row in rows]),
                          "final_loss": np.array([row["final_loss"] for row in rows])}
            else:
                traj = exps[0].simulate(times=times)
                result = {"loss": traj.loss, "G": traj.G, "A": traj.A, "T1": np.array([traj.T1])}
            best = min(best, time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # kB on Linux -> GB
    d = exps[0].data.d
    np.savez(out, seconds=best * factor, peak_gb=peak, d=d, runs=len(exps) * factor, **result)


def run_case(case: str, engine: str, repeat: int, tmp: Path) -> dict:
    out = tmp / f"{case}-{engine}.npz"
    subprocess.run([sys.executable, __file__, "--child", case, engine, "--repeat", str(repeat), "--out", str(out)],
                   check=True, env={**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                                    "MKL_NUM_THREADS": "1"})
    with np.load(out) as saved:
        return {key: saved[key] for key in saved.files}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=CASES)
    parser.add_argument("--repeat", type=int, default=3, help="timings per small case, best kept (default 3)")
    parser.add_argument("--large-dense", action="store_true", help="also run the large case with dense products")
    parser.add_argument("--child", nargs=2, metavar=("CASE", "ENGINE"), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        measure(*args.child, args.repeat, args.out)
        return
    import tempfile

    print("Gram flow, one core, one BLAS thread: dense products by Γ_A against the library's choice")
    print(f"{'case':10s} {'d':>5s} {'runs':>5s} {'dense s':>9s} {'auto s':>9s} {'speed-up':>9s} "
          f"{'dense GB':>9s} {'auto GB':>8s}  largest relative difference")
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.cases:
            engines = ["auto"] if case == "large" and not args.large_dense else ["dense", "auto"]
            got = {engine: run_case(case, engine, args.repeat, Path(tmp)) for engine in engines}
            auto = got["auto"]
            dense = got.get("dense")
            if dense is None:
                print(f"{case:10s} {int(auto['d']):5d} {int(auto['runs']):5d} {'-':>9s} {float(auto['seconds']):9.2f} "
                      f"{'-':>9s} {'-':>9s} {float(auto['peak_gb']):8.2f}  (dense not run: O(d³) products)")
                continue
            diffs = {key: float(np.nanmax(np.abs(auto[key] - dense[key])) / np.nanmax(np.abs(dense[key])))
                     for key in auto if key not in ("seconds", "peak_gb", "d", "runs")}
            worst = max(diffs, key=diffs.get)
            print(f"{case:10s} {int(auto['d']):5d} {int(auto['runs']):5d} {float(dense['seconds']):9.2f} "
                  f"{float(auto['seconds']):9.2f} {float(dense['seconds'] / auto['seconds']):8.1f}x "
                  f"{float(dense['peak_gb']):9.2f} {float(auto['peak_gb']):8.2f}  {diffs[worst]:.1e} ({worst})")


if __name__ == "__main__":
    main()
