"""Benchmark: the Gram flow's cost before issue 24 and now, side by side.

"before" is the library at commit :data:`BEFORE` (the engine that issue 24 replaced: the full 4d² state, dense
products by Γ_A, SciPy's dense output, records concatenated at the end), exported from the repository's history
with ``git archive``; "now" is this working tree. Each case runs in a fresh process on one core with one BLAS
thread, once per engine, and reports the best of ``--repeat`` timings, the peak resident memory of that process
and the largest relative difference of the two engines' losses, G and A (or T1 and final losses for the atlas):

* paper: the paper's setting (n=60, L=5, d=64, m=128, m1=256), T=300, the default 300-time recording grid;
* premise: the premise setting (n=60, L=5, d=163 distinct fillers, m=m1=128), T=300, the default grid;
* atlas: one seed of the fine width atlas (``book/atlas/width-fine.yaml``, 81 of its 810 runs), each run
  simulated and checked as a sweep row (``sweep.run_one``): core-seconds for all 810 runs, 10x the measured;
* large: n=240, L=7, distinct fillers, d = n L + 3 = 1683, m=m1=128, T=300, recorded at 0 and T only (the default
  grid would record A, VV and the attention, 3 x 300 x d² floats, 20 GB);
* premise-signal, large-signal: the same runs recorded with ``record="signal"`` (A, VV and the attention over the
  three signal words, their movements over all words) at the default 300-time grid: what recording less saves.
  "before" has no such option and records everything: the premise case then, and nothing for the large one (20 GB).

The issue's targets (one core): paper <= 0.1 s, premise <= 0.25 s, atlas <= 300 core-s, large <= 60 s and <= 4 GB.
Usage: ``make bench`` (or ``python bench/bench_flow.py [--cases paper premise] [--repeat 7] [--before REV]``);
without the repository's history (a source archive) only "now" runs.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CASES = ("paper", "premise", "premise-signal", "atlas", "large", "large-signal")
#: Cases the engine before cannot run (their full records would not fit in memory).
NOW_ONLY = ("large-signal",)
#: The commit before issue 24's engine: the reference "before" of every case.
BEFORE = "cf870ab"


def experiments(case: str) -> tuple[list, np.ndarray | None, int]:
    """(experiments, recording times or None for the default grid, factor from the runs timed to the case)."""
    import dataclasses

    from cooccur import sweep
    from cooccur.experiment import paper_setting, premise_setting
    from cooccur.flow import SimConfig

    if case.endswith("-signal"):
        exps, _, factor = experiments(case.removesuffix("-signal"))
        if "record" in {f.name for f in dataclasses.fields(SimConfig)}:  # "before" records everything
            exps = [dataclasses.replace(e, sim=dataclasses.replace(e.sim, record="signal")) for e in exps]
        return exps, None, factor
    if case == "paper":
        return [paper_setting(0, method="gram")], None, 1
    if case == "premise":
        return [premise_setting(0)], None, 1
    if case == "atlas":
        fine = sweep.load_sweep(ROOT / "book" / "atlas" / "width-fine.yaml", seeds=[0])
        return [run.experiment for run in fine.runs], None, 10
    exp = premise_setting(0, data={"n": 240, "L": 7, "d": 240 * 7 + 3})
    return [exp], np.array([0.0, exp.sim.T]), 1


def measure(case: str, repeat: int, out: Path) -> None:
    """In this process: time ``case`` with the library on the path and write seconds, peak memory and readings to
    ``out``."""
    import cooccur
    from cooccur import sweep
    from cooccur.parallel import one_blas_thread

    exps, times, factor = experiments(case)
    best, result = float("inf"), None
    with one_blas_thread():
        for _ in range(1 if case.startswith(("atlas", "large")) else repeat):
            start = time.perf_counter()
            if case == "atlas":
                rows = [sweep.run_one(exp)[0] for exp in exps]
                result = {"T1": np.array([row["T1"] for row in rows]),
                          "final_loss": np.array([row["final_loss"] for row in rows])}
            else:
                traj = exps[0].simulate(times=times)
                A = traj.A[:, :3, :3] if case.endswith("-signal") else traj.A  # "before" records every word
                result = {"loss": traj.loss, "G": traj.G, "A": A, "T1": np.array([traj.T1])}
            best = min(best, time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # kB on Linux -> GB
    d = exps[0].data.d
    np.savez(out, seconds=best * factor, peak_gb=peak, d=d, runs=len(exps) * factor, library=cooccur.__file__,
             **result)


def run_case(case: str, source: Path, repeat: int, out: Path) -> dict:
    """Run ``case`` in a fresh process with the library at ``source`` (a ``src`` folder) first on the path."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join([str(source), *filter(None, [os.environ.get("PYTHONPATH")])])}
    subprocess.run([sys.executable, __file__, "--child", case, "--repeat", str(repeat), "--out", str(out)],
                   check=True, env=env, cwd=ROOT)
    with np.load(out) as saved:
        got = {key: saved[key] for key in saved.files}
    if not Path(str(got.pop("library"))).is_relative_to(source):  # an installed copy shadowed the one asked for
        raise RuntimeError(f"the {case} run did not import the library in {source}")
    return got


def export_source(rev: str, into: Path) -> Path | None:
    """The library's ``src`` folder at commit ``rev``, exported into ``into``; None without the history."""
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "src"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:  # our own history; the filter where Python has it
        tar.extractall(into, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    return into / "src"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=CASES)
    parser.add_argument("--repeat", type=int, default=7, help="timings per small case, best kept (default 7)")
    parser.add_argument("--before", default=BEFORE, help=f"the commit to compare with (default {BEFORE})")
    parser.add_argument("--child", metavar="CASE", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        measure(args.child, args.repeat, args.out)
        return
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        before = export_source(args.before, Path(tmp) / "before")
        engines = {"now": ROOT / "src"} | ({"before": before} if before else {})
        print(f"Gram flow, one core, one BLAS thread: the engine at {args.before} (before) and this tree (now)"
              + ("" if before else f"; {args.before} is not in this checkout's history, so only now"))
        print(f"{'case':14s} {'d':>5s} {'runs':>5s} {'before s':>9s} {'now s':>9s} {'speed-up':>9s} "
              f"{'before GB':>9s} {'now GB':>7s}  largest relative difference")
        for case in args.cases:
            got = {name: run_case(case, source, args.repeat, Path(tmp) / f"{case}-{name}.npz")
                   for name, source in engines.items() if name == "now" or case not in NOW_ONLY}
            now, old = got["now"], got.get("before")
            line = f"{case:14s} {int(now['d']):5d} {int(now['runs']):5d} "
            if old is None:
                print(line + f"{'-':>9s} {float(now['seconds']):9.2f} {'-':>9s} {'-':>9s} {float(now['peak_gb']):7.2f}")
                continue
            diffs = {key: float(np.nanmax(np.abs(now[key] - old[key])) / max(np.nanmax(np.abs(old[key])), 1e-300))
                     for key in now if key not in ("seconds", "peak_gb", "d", "runs")}
            worst = max(diffs, key=diffs.get)
            print(line + f"{float(old['seconds']):9.2f} {float(now['seconds']):9.2f} "
                  f"{float(old['seconds'] / now['seconds']):8.1f}x {float(old['peak_gb']):9.2f} "
                  f"{float(now['peak_gb']):7.2f}  {diffs[worst]:.1e} ({worst})")


if __name__ == "__main__":
    main()
