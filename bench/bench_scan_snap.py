"""Benchmark: Scan-and-Snap runs, one at a time and as the Figure-6 sweep.

(i)  seconds per training run of 100 iterations (batch 128, T = 128) at each Syn-Medium size num_last, in this
     process (one torch thread), the best of two;
(ii) the committed grid ``book/scan_snap/fig6.yaml`` (one seed by default: 64 runs; ``--seeds 10`` for the full 640)
     through ``cooccur.sweep.run_sweep`` on a local dask cluster of ``--workers`` workers: runs per second of wall
     time, core-seconds per run, and the cluster's start-up.

Usage: ``make bench`` (or ``python bench/bench_scan_snap.py --seeds 10 --workers 2``).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from cooccur import parallel, sweep
from cooccur.related import scan_snap as ss

FIG6 = Path(__file__).resolve().parents[1] / "book" / "scan_snap" / "fig6.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=1, help="seeds of the Figure-6 grid to run (default 1)")
    parser.add_argument("--workers", type=int, default=2, help="local dask workers (default 2)")
    args = parser.parse_args()

    print("(i) one run of 100 iterations, batch 128, T = 128 (best of 2):")
    for num_last in (1, 3, 5, 10):
        exp = ss.ScanSnapExperiment(ss.SequenceClasses.syn_medium(num_last), ss.ScanSnapTraining(init="linear"))
        best = float("inf")
        for _ in range(2):
            start = time.perf_counter()
            exp.run()
            best = min(best, time.perf_counter() - start)
        print(f"    num_last = {num_last:2d} (M = {exp.data.M:3d}): {best:.3f} s")

    grid = sweep.load_sweep(FIG6, seeds=list(range(args.seeds)))
    start = time.perf_counter()
    with parallel.dask_executor(args.workers, quiet=True) as executor:
        started = time.perf_counter() - start
        with tempfile.TemporaryDirectory() as tmp:
            begin = time.perf_counter()
            table = sweep.run_sweep(grid, Path(tmp) / "fig6.parquet", executor, progress=False)
            wall = time.perf_counter() - begin
    done = sweep.finished(table)
    print(f"(ii) {FIG6.name}, {len(grid.runs)} runs on {args.workers} workers: {wall:.1f} s wall "
          f"({len(grid.runs) / wall:.1f} runs/s), {done['wall_time'].sum():.1f} core-s "
          f"({done['wall_time'].mean():.3f} s per run), cluster start-up {started:.1f} s, "
          f"{len(table) - len(done)} failed")


if __name__ == "__main__":
    main()
