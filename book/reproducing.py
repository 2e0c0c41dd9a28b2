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

# %% tags=["parameters", "hide-input"] mystnb={"code_prompt_show": "The chapter's parameters", "code_prompt_hide": "Hide the parameters"}
quick = False

# %% tags=["hide-input"]
import json
from pathlib import Path

from cooccur import provenance
from cooccur.parameters import check_chapter
from cooccur.report import show, values_table

check_chapter("reproducing", globals())
show(values_table(provenance.environment(), header=("component", "version")))

# %% [markdown]
# ## Execution times
#
# Seconds taken to execute each chapter in this build. The build script writes them as it goes, so this
# chapter, which runs last, does not include itself. A build that executes chapters side by side
# (`make book JOBS=2`) gives times that include sharing the machine, and a total that is more than the build took.
# Times depend on the machine, and on whether runs were already in the cache.

# %% tags=["hide-input"]
times = provenance.execution_times(Path("..") / "_build" / "execution-times.json")
show(values_table(times, header=("chapter", "seconds")) if times else
     "*No execution times: this page was not built by `make book`.*")

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

reference = json.loads(Path("reference-results.json").read_text())
class_rows, seed_k = provenance.class_rows(sorted((Path("..") / "_build" / "results").glob("*.json")), reference)
glue_number("seed_k", seed_k, manifest=False)
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
crosscheck_file = Path("crosscheck.json")
crosscheck = json.loads(crosscheck_file.read_text()) if crosscheck_file.exists() else {"settings": {}}
setting_rows, move_rows, largest, failed = provenance.crosscheck_rows(crosscheck)
show(rows_table(setting_rows) + "\n\n" + rows_table(move_rows) + "\n\n" + provenance.crosscheck_machine(crosscheck)
     if move_rows else "*No crosscheck is recorded with this copy of the book.*")

# %% [markdown]
# In words:

# %% tags=["hide-input"]
show(provenance.conclusion({row["class"]: row["numbers"] for row in class_rows}, largest, failed, bool(move_rows),
                          reference))
