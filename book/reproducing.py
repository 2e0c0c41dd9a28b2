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

from cooccur.report import apply_quick, check_parameters, show, values_table

check_parameters(quick=(quick, bool))
apply_quick("reproducing", globals(), quick)
packages = ["cooccur", "torch", "numpy", "scipy", "matplotlib", "seaborn", "tqdm", "threadpoolctl", "pandas",
            "pyarrow", "dask", "distributed", "jupyter-book", "sphinx", "myst-nb", "jupytext", "papermill",
            "sphinx-proof", "sphinxcontrib-bibtex"]
show(values_table({"Python": platform.python_version(), "platform": f"{platform.system()} {platform.machine()}",
                   "CPU cores": os.cpu_count(), **{name: version(name) for name in packages}},
                  header=("component", "version")))

# %% [markdown]
# ## Execution times
#
# Seconds taken to execute each chapter in this build. The build script writes them as it goes, so this
# chapter, which runs last, does not include itself. Times depend on the machine, and on whether runs were
# already in the cache.

# %% tags=["hide-input"]
times_file = Path("..") / "_build" / "execution-times.json"
if times_file.exists():
    times = json.loads(times_file.read_text())
    times = {name: round(seconds, 1) for name, seconds in times.items()}
    show(values_table({**times, "**total**": round(sum(times.values()), 1)}, header=("chapter", "seconds")))
else:
    show("*No execution times: this page was not built by `make book`.*")
