# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: -papermill,-execution,-ExecuteTime,-scrolled,-collapsed,-jupyter,-editable,-deletable
#     notebook_metadata_filter: -papermill,-language_info,-widgets,-varInspector,-toc
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# (chap-reproducing)=
# # Reproducing this book
#
# Everything in this book is produced by two commands, run from a clone of the repository on a machine with
# Python 3.11 and `make`:
#
# ```bash
# make book   # create .venv if missing, install the pinned environment, execute every chapter, build the HTML
# make test   # the same set-up, then the test suite (including a quick run of every chapter)
# ```
#
# `make book` starts from the text sources every time. It deletes the previous HTML and the executed notebooks,
# then executes each chapter (a Jupytext `py:percent` file in `book/`) with papermill, in the order of the
# table of contents. Finally Jupyter Book renders the executed notebooks, with warnings treated as errors, so a
# failing cell, a broken cross-reference or a missing citation stops the build. Long runs are cached on disk
# under a hash of their configuration and of the library's source code, so an edit to the library reruns them.
#
# **One figure, one command.** Every trajectory in the book comes from a configuration printed at the top of its
# chapter. The same run is available from the command line, for example the paper's Figure 1 setting:
#
# ```bash
# .venv/bin/python -m cooccur simulate --init kaiming --method euler --step 0.01 --T 300 --out figure1.npz
# ```
#
# **Parallel runs.** Chapters that need many runs (the ten-seed figures, the width and length sweeps, the claims
# atlas) hand them to a local `dask.distributed` cluster with one single-threaded worker process per core
# (`$COOCCUR_WORKERS` sets how many). Each simulation uses one BLAS thread, so two runs on two cores do not
# compete for them. The results are the same, bit for bit, as running them one after the other.
#
# **Seeds.** A run is fixed by two seeds: `DataConfig.seed` draws the data set, `ModelConfig.seed` the initial
# weights. Each chapter's parameters cell lists the seeds it uses (seed 0 for single runs, seeds 0 to 9 for
# ten-seed statistics). The same configuration gives the same trajectory, bit for bit, on the same machine and
# library versions.

# %% tags=["parameters"]
quick = False

# %% tags=["hide-input"]
import json
import os
import platform
from importlib.metadata import version
from pathlib import Path

from cooccur.parameters import apply_quick, check_parameters
from cooccur.report import show, values_table

check_parameters(quick=(quick, bool))
apply_quick("reproducing", globals(), quick)
packages = ["cooccur", "torch", "numpy", "scipy", "matplotlib", "seaborn", "tqdm", "threadpoolctl", "pandas",
            "pyarrow", "dask", "distributed", "jupyter-book", "sphinx", "myst-nb", "jupytext", "papermill",
            "sphinx-proof", "sphinxcontrib-bibtex"]
import numpy
import threadpoolctl
import torch

# the kernels this build ran on: what differs between machines (see the last section)
blas = {pool["internal_api"]: pool.get("architecture") for pool in threadpoolctl.threadpool_info()}
numpy_simd = [t for t in numpy._core._multiarray_umath.__cpu_dispatch__
              if numpy._core._multiarray_umath.__cpu_features__.get(t)]
show(values_table({"Python": platform.python_version(), "platform": f"{platform.system()} {platform.machine()}",
                   "CPU cores": os.cpu_count(), **{name: version(name) for name in packages},
                   "torch CPU kernels": torch.backends.cpu.get_cpu_capability(),
                   "OpenBLAS kernels (NumPy, SciPy)": blas.get("openblas"),
                   "NumPy SIMD up to": numpy_simd[-1] if numpy_simd else "baseline"},
                  header=("component", "version")))

# %% [markdown]
# ## Execution times
#
# Seconds taken to execute each chapter in this build. The build script writes them as it goes, so this
# chapter, which runs last, does not include itself. A build that executes chapters side by side
# (`make book JOBS=2`) gives times that include sharing the machine, and a total that is more than the build took.
# Times depend on the machine, and on whether runs were already in the cache.

# %% tags=["hide-input"]
times_file = Path("..") / "_build" / "execution-times.json"
if times_file.exists():
    times = json.loads(times_file.read_text())
    times = {name: round(seconds, 1) for name, seconds in times.items()}
    show(values_table({**times, "**total**": round(sum(times.values()), 1)}, header=("chapter", "seconds")))
else:
    show("*No execution times: this page was not built by `make book`.*")

# %% [markdown]
# (sec-reproducing-tolerances)=
# ## What a rerun on another machine reproduces
#
# Every number in the prose of this book comes from the run: as the book builds, each is recorded with its
# *tolerance class* in a results manifest, and `make book` ends by comparing every one with
# `book/reference-results.json`. A rerun on the same machine reproduces all of them bit for bit. Another machine
# differs in one way: the kernels its libraries pick at run time by instruction set (PyTorch's own vector
# kernels, the MKL behind PyTorch, the OpenBLAS behind NumPy and SciPy, NumPy's own loops) take sums in lanes of
# another width, hence in another order, so results differ in the last bits. What that does to a number depends
# on where it comes from, so each number belongs to one class:
#
# * **exact**: counts over deterministic runs (seeds on which a claim holds, runs in a grid, seeds below a line)
#   and configuration values. A last-bit difference could change one only if a measured value sat within its
#   drift of a threshold; the crosscheck below would show it.
# * **float64**: a real number from the float64 flow engines or NumPy/SciPy: reproduced to rounding.
# * **trained**: a real number from training a torch model in float64 on one thread (the Scan-and-Snap model),
#   read where training is stable. Training can amplify a last-bit difference exponentially; starting from
#   float64's last bit, the difference stays far below the digits this book prints over its horizons.
# * **seed-statistic**: a number from training that can drift between machines is quoted as a mean over seeds:
#   the Local-to-Global transformer, which the book trains in float32 (under two kernels its standard-start runs
#   agree to 3e-5 over the 600 iterations shown, but training amplifies the rounding in others until a seed's
#   crossing of a line moves by several iterations), and whose seeds may leave the unigram plateau at any
#   iteration. The
#   tolerance is {glue:text}`seed_k` standard errors of the mean, measured from the spread over the seeds of the same
#   run; a share of seeds on which all seeds agree has no spread, and must match exactly. A rerun uses the same
#   seeds, so this tolerance guards against a change of outcome (seeds ending on the other line), not against
#   drift, which the
#   crosscheck below measures.
#
# The table lists each class with the number of entries in the manifest and its tolerance; the tolerance of a
# seed statistic is written next to each number in the manifest.

# %% tags=["hide-input"]
from cooccur.report import glue_number, rows_table

# the classes of this build's numbers (written by the chapters before this one), else of the committed reference
built = sorted((Path("..") / "_build" / "results").glob("*.json"))
reference = json.loads(Path("reference-results.json").read_text())
if built:
    entries = [entry for path in built for entry in json.loads(path.read_text()).values()]
else:
    entries = list(reference["numbers"].values())
class_rows = []
for name in ("exact", "float64", "trained", "seed-statistic"):
    members = [e for e in entries if e.get("class") == name]
    spec = reference.get("classes", {}).get(name)
    if name == "seed-statistic":
        tolerance = "k standard errors of the mean, measured with each number"
        ks = {e["k"] for e in members if "k" in e}
        glue_number("seed_k", ks.pop() if len(ks) == 1 else float("nan"), manifest=False)
    elif spec is None:
        tolerance = "-"
    elif spec["rel_tol"] == 0:
        tolerance = "none: must match"
    else:
        tolerance = f"relative {spec['rel_tol']:.0e}"
    class_rows.append({"class": name, "numbers": len(members), "tolerance": tolerance})
show(rows_table(class_rows))

# %% [markdown]
# **Measured under other kernels.** `make crosscheck` imitates other machines on this one. It re-executes the
# chapters with every library restricted to AVX2 (setting `avx2`: a machine without AVX-512) or to SSE4.2 with
# PyTorch's scalar kernels (setting `baseline`), each with an empty run cache (a warm cache would hand back runs
# computed under the first setting), first checking in a fresh process that each restriction took effect. It then
# compares every number with the reference under its class. The tables below are its last recorded run: the
# settings and the chapters re-executed under each, then per setting and class how many numbers moved at all, and
# the largest move both as a fraction of the tolerance (1 is the edge) and relative to the number. Every build of
# the book in continuous integration is a crosscheck too: it runs `make book KERNELS=auto`, which builds all the
# chapters under other kernels than the ones that wrote the reference (`avx2` on a machine like that one), with an
# empty run cache, and compares every number the book quotes, as above.

# %% tags=["hide-input"]
import math

crosscheck_file = Path("crosscheck.json")
crosscheck = json.loads(crosscheck_file.read_text()) if crosscheck_file.exists() else {"settings": {}}
setting_rows, move_rows, largest, failed = [], [], {}, 0
for setting, run in sorted(crosscheck["settings"].items()):
    same = run.get("same_as_native", [])
    setting_rows.append({"setting": setting,
                         "kernels": ", ".join(f"{lib} {kind}" for lib, kind in sorted(run["kernels"].items())),
                         "left on this machine's own": ", ".join(same) or "none",
                         "chapters": ", ".join(run["chapters"])})
    for name, row in sorted(run["classes"].items()):
        rel = math.inf if row["largest_rel"] is None else row["largest_rel"]  # None: an exact number changed
        move_rows.append({"setting": setting, "class": name,
                          "numbers": row["entries"], "moved": row["moved"], "failed": row["failed"],
                          "largest move / tolerance": "∞" if row["largest"] is None else f"{row['largest']:.2g}",
                          "largest relative move": f"{rel:.2g}"})
        failed += row["failed"]
        largest[name] = max(largest.get(name, 0.0), rel)
if move_rows:
    show(rows_table(setting_rows))
    show(rows_table(move_rows))
    machine = crosscheck["machine"]
    mkl = machine["mkl"] or "naming none (it names them on Intel processors only)"
    show(f"*Recorded by `make crosscheck` on {max(run['date'] for run in crosscheck['settings'].values())}, on a "
         f"machine whose own kernels are: torch {machine['torch']}, MKL {mkl}, OpenBLAS {machine['openblas']}, "
         f"NumPy up to {machine['numpy']}.*")
else:
    show("*No crosscheck is recorded with this copy of the book.*")

# %% [markdown]
# In words:

# %% tags=["hide-input"]
counts = {row["class"]: row["numbers"] for row in class_rows}
if not move_rows:
    show("Without a recorded crosscheck, this page cannot say how far the numbers move under other kernels.")
elif failed:
    show(f"**{failed} numbers left their tolerance under other kernels** (table above): the book's reference does "
         "not yet hold on every machine.")
else:
    show(f"On another x86-64 machine a rebuild reproduces the {counts['exact']} exact numbers exactly, the "
         f"{counts['float64']} float64 numbers and the {counts['trained']} trained numbers to rounding (the largest "
         f"relative moves measured under other kernels were {largest.get('float64', 0):.1e} and "
         f"{largest.get('trained', 0):.1e}, against relative tolerances of {reference['classes']['float64']['rel_tol']:.0e} "
         f"and {reference['classes']['trained']['rel_tol']:.0e}), and the {counts['seed-statistic']} seed statistics "
         f"as statistics over seeds (their largest relative move was {largest.get('seed-statistic', 0):.1e}). A "
         "machine of another architecture (an ARM laptop, say) has other libraries altogether, which the "
         "crosscheck cannot imitate; there we rely on the margins between the measured moves and the tolerances.")
