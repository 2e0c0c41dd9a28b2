"""Where the book's numbers come from and how far they can move: the software and CPU kernels of this machine, the
tolerance classes of the results manifest (``book/reference-results.json``), and the crosscheck under other
kernels (``book/crosscheck.json``, written by ``make crosscheck``). The chapter "Reproducing" shows these."""

from __future__ import annotations

import json
import math
import os
import platform
from importlib.metadata import version
from pathlib import Path
from typing import Any

#: The packages whose versions the chapter lists.
PACKAGES = ("cooccur", "torch", "numpy", "scipy", "matplotlib", "seaborn", "tqdm", "threadpoolctl", "pandas",
            "pyarrow", "dask", "distributed", "jupyter-book", "sphinx", "myst-nb", "jupytext", "papermill",
            "sphinx-proof", "sphinxcontrib-bibtex", "plotly")
#: The manifest's tolerance classes, in the order the chapter lists them.
CLASSES = ("exact", "float64", "trained", "seed-statistic")


def environment() -> dict[str, object]:
    """Python, platform, cores, the versions of :data:`PACKAGES`, and the CPU kernels torch, OpenBLAS and NumPy
    dispatch to on this machine."""
    import numpy
    import threadpoolctl
    import torch

    blas = {pool["internal_api"]: pool.get("architecture") for pool in threadpoolctl.threadpool_info()}
    umath = numpy._core._multiarray_umath
    simd = [t for t in umath.__cpu_dispatch__ if umath.__cpu_features__.get(t)]
    return {"Python": platform.python_version(), "platform": f"{platform.system()} {platform.machine()}",
            "CPU cores": os.cpu_count(), **{name: version(name) for name in PACKAGES},
            "torch CPU kernels": torch.backends.cpu.get_cpu_capability(),
            "OpenBLAS kernels (NumPy, SciPy)": blas.get("openblas"),
            "NumPy SIMD up to": simd[-1] if simd else "baseline"}


def execution_times(path: Path) -> dict[str, float] | None:
    """The seconds each chapter took (``_build/execution-times.json``) with their total, or None without the file."""
    if not path.exists():
        return None
    times = {name: round(seconds, 1) for name, seconds in json.loads(path.read_text()).items()}
    return {**times, "**total**": round(sum(times.values()), 1)}


def class_rows(built: list[Path], reference: dict[str, Any]) -> tuple[list[dict[str, Any]], float]:
    """Per tolerance class, how many numbers this build recorded (``built``: its per-chapter result files; the
    reference's numbers when there are none) and the tolerance; and the k of the seed statistics (NaN unless one)."""
    entries = ([entry for path in built for entry in json.loads(path.read_text()).values()] if built
               else list(reference["numbers"].values()))
    rows, k = [], math.nan
    for name in CLASSES:
        members = [e for e in entries if e.get("class") == name]
        spec = reference.get("classes", {}).get(name)
        if name == "seed-statistic":
            tolerance = "k standard errors of the mean, measured with each number"
            ks = {e["k"] for e in members if "k" in e}
            k = ks.pop() if len(ks) == 1 else math.nan
        elif spec is None:
            tolerance = "-"
        elif spec["rel_tol"] == 0:
            tolerance = "none: must match"
        else:
            tolerance = f"relative {spec['rel_tol']:.0e}"
        rows.append({"class": name, "numbers": len(members), "tolerance": tolerance})
    return rows, k


def crosscheck_rows(crosscheck: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]],
                                                        dict[str, float], int]:
    """From a recorded crosscheck: a row per kernel setting, a row per setting and class (numbers, moved, failed,
    largest move), the largest relative move per class over the settings, and the numbers that failed."""
    setting_rows, move_rows, largest, failed = [], [], {}, 0
    for setting, run in sorted(crosscheck["settings"].items()):
        setting_rows.append({"setting": setting,
                             "kernels": ", ".join(f"{lib} {kind}" for lib, kind in sorted(run["kernels"].items())),
                             "left on this machine's own": ", ".join(run.get("same_as_native", [])) or "none",
                             "chapters": ", ".join(run["chapters"])})
        for name, row in sorted(run["classes"].items()):
            rel = math.inf if row["largest_rel"] is None else row["largest_rel"]  # None: an exact number changed
            move_rows.append({"setting": setting, "class": name, "numbers": row["entries"], "moved": row["moved"],
                              "failed": row["failed"],
                              "largest move / tolerance": "∞" if row["largest"] is None else f"{row['largest']:.2g}",
                              "largest relative move": f"{rel:.2g}"})
            failed += row["failed"]
            largest[name] = max(largest.get(name, 0.0), rel)
    return setting_rows, move_rows, largest, failed


def crosscheck_machine(crosscheck: dict[str, Any]) -> str:
    """When and on what kernels the crosscheck was recorded, in a sentence."""
    machine = crosscheck["machine"]
    mkl = machine["mkl"] or "naming none (it names them on Intel processors only)"
    return (f"*Recorded by `make crosscheck` on {max(run['date'] for run in crosscheck['settings'].values())}, on a "
            f"machine whose own kernels are: torch {machine['torch']}, MKL {mkl}, OpenBLAS {machine['openblas']}, "
            f"NumPy up to {machine['numpy']}.*")


def conclusion(counts: dict[str, int], largest: dict[str, float], failed: int, recorded: bool,
               reference: dict[str, Any]) -> str:
    """What the crosscheck says of a rebuild on another machine, in a paragraph."""
    if not recorded:
        return "Without a recorded crosscheck, this page cannot say how far the numbers move under other kernels."
    if failed:
        return (f"**{failed} numbers left their tolerance under other kernels** (table above): the book's reference "
                "does not yet hold on every machine.")
    rel = {name: reference["classes"][name]["rel_tol"] for name in ("float64", "trained")}
    return (f"On another x86-64 machine a rebuild reproduces the {counts['exact']} exact numbers exactly, the "
            f"{counts['float64']} float64 numbers and the {counts['trained']} trained numbers to rounding (the largest "
            f"relative moves measured under other kernels were {largest.get('float64', 0):.1e} and "
            f"{largest.get('trained', 0):.1e}, against relative tolerances of {rel['float64']:.0e} and "
            f"{rel['trained']:.0e}), and the {counts['seed-statistic']} seed statistics as statistics over seeds "
            f"(their largest relative move was {largest.get('seed-statistic', 0):.1e}). A machine of another "
            "architecture (an ARM laptop, say) has other libraries altogether, which the crosscheck cannot imitate; "
            "there we rely on the margins between the measured moves and the tolerances.")
