"""Benchmark: runs per second of the paper-size flow run, one at a time and through the sweep machinery.

Each "run" is ``paper_setting(seed)`` (n=60, L=5, d=64, m=128, m1=256, the adaptive Gram flow to T = 300 with the
default recording grid). Measured side by side in one process:

(i)   the plain loop ``[exp.simulate() for exp in experiments]`` (no verdicts);
(i+)  the plain loop with ``claims.check_all`` on each run, which is what a sweep row holds;
(ii)  ``cooccur.sweep.run_sweep`` on one process (``SerialExecutor``) and on a local dask cluster of one worker;
(iii) ``run_sweep`` on a local dask cluster with one worker per core (cluster start-up included and reported);

and the slowdown of a run while another process keeps one core busy with NumPy (target <= 1.5x). Usage:
``make bench`` (or ``python bench/bench_sweep.py --runs 24``).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import time
from pathlib import Path

import numpy as np


def busy(stop) -> None:
    """Keep one core busy with NumPy products (one BLAS thread) until ``stop`` is set."""
    from threadpoolctl import threadpool_limits

    a = np.random.default_rng(0).standard_normal((400, 400))
    with threadpool_limits(1):
        while not stop.is_set():
            a = np.tanh(a @ a)


def per_run(fn, n: int, repeat: int = 2) -> float:
    """Seconds per run of ``fn`` (which does ``n`` runs), the best of ``repeat`` timings."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=24, help="runs per measurement (default 24)")
    args = parser.parse_args()
    from cooccur import parallel, sweep
    from cooccur.claims import check_all
    from cooccur.experiment import paper_setting

    n = args.runs
    cores = os.cpu_count() or 1
    experiments = [paper_setting(s) for s in range(n)]
    spec = {"base": {"data": {"n": 60, "L": 5, "d": 64}, "model": {"m": 128, "m1": 256},
                     "sim": {"method": "gram", "T": 300.0}}, "seeds": list(range(n))}
    experiments[0].simulate()  # imports and first-call costs out of the timings

    rows = []
    t_plain = per_run(lambda: [e.simulate() for e in experiments], n)
    rows.append(("(i) plain loop, Experiment.simulate()", t_plain, 1))
    t_plus = per_run(lambda: [check_all(e, e.simulate()) for e in experiments], n)
    rows.append(("(i+) plain loop, simulate + check_all", t_plus, 1))
    with tempfile.TemporaryDirectory() as tmp:
        s = sweep.Sweep.from_dict(spec)
        warm = sweep.Sweep.from_dict({**spec, "seeds": list(range(1000, 1000 + cores))})

        def timed_sweep(executor, name: str) -> float:
            sweep.run_sweep(warm, Path(tmp) / f"warm-{name}.parquet", executor, progress=False)  # imports done

            def once():
                (Path(tmp) / f"{name}.parquet").unlink(missing_ok=True)
                sweep.run_sweep(s, Path(tmp) / f"{name}.parquet", executor, progress=False)

            return per_run(once, n)

        rows.append(("(ii) run_sweep, this process", timed_sweep(parallel.SerialExecutor(), "a"), 1))
        with parallel.dask_executor(1, quiet=True) as one:
            rows.append(("(ii) run_sweep, dask LocalCluster, 1 worker", timed_sweep(one, "b"), 1))
        start = time.perf_counter()
        with parallel.dask_executor(cores, quiet=True) as many:
            started = time.perf_counter() - start
            t_many = timed_sweep(many, "c")
        rows.append((f"(iii) run_sweep, dask LocalCluster, {cores} workers", t_many, cores))
        same = sweep.load_table(Path(tmp) / "a.parquet").drop(columns=["wall_time", "host"]).sort_values("run_id")
        other = sweep.load_table(Path(tmp) / "c.parquet").drop(columns=["wall_time", "host"]).sort_values("run_id")
        identical = same.reset_index(drop=True).equals(other.reset_index(drop=True))

    stop = multiprocessing.Event()
    load = multiprocessing.Process(target=busy, args=(stop,))
    load.start()
    try:
        time.sleep(1.0)
        t_busy = per_run(lambda: [e.simulate() for e in experiments[:8]], 8)
    finally:
        stop.set()
        load.join()
    t_idle = per_run(lambda: [e.simulate() for e in experiments[:8]], 8)

    print(f"paper-size flow runs (n=60 L=5 d=64 m=128 m1=256, gram, T=300), {n} runs, {cores} cores")
    print(f"{'path':48s} {'s/run':>7s} {'runs/s':>7s} {'runs/s/core':>12s} {'vs (i) per core':>16s}")
    for name, t, used in rows:
        print(f"{name:48s} {t:7.3f} {1 / t:7.2f} {1 / t / used:12.2f} {t_plain / t / used:16.2f}")
    print(f"best of 2 timings each; local cluster start-up {started:.1f} s and the workers' first imports are not in "
          "the rows above")
    print(f"rows of (ii, this process) and (iii) identical: {identical}")
    print(f"one run alone {t_idle:.3f} s, with another process busy on a core {t_busy:.3f} s: "
          f"slowdown {t_busy / t_idle:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
