# make test   : create .venv if missing, install the project into it, run the tests (on every core).
# make book   : same set-up, then execute the chapters with papermill (reusing those whose inputs are unchanged;
#               FRESH=1 executes all) and build the HTML book (_build/html).
#               KERNELS=auto builds it under other CPU kernels than the reference's (what CI runs).
# make check-html: open every page of the built book in Chromium (console, images, math, links, downloads).
# make lab   : same set-up, then JupyterLab on 127.0.0.1 with every chapter book/<name>.py openable as a notebook.
# make reference: build the book and write its numbers to book/reference-results.json (deliberately).
# make crosscheck: re-execute chapters under other CPU kernels (torch, MKL, OpenBLAS, NumPy dispatch), each with an
#               empty run cache, and compare every number with the reference under its tolerance class.
#               CROSSCHECK_CHAPTERS (default: all) and CROSSCHECK_SETTINGS (default: avx2 baseline) narrow it.
# make bench  : time the Gram flow before issue 24 and now (paper, premise, fine atlas, d = 1683; premise and
#               d = 1683 also recorded on the signal words only; needs the git history), Figure 1's setting with three engines, the runs per second of the sweep machinery, and
#               one training iteration of Local to Global's full model.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
export COOCCUR_CACHE_DIR ?= $(CURDIR)/.cache/experiments

.PHONY: test book lab rerun reference crosscheck check-html bench lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[book,lab,dev]'
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (cooccur)" > /dev/null
	touch $(STAMP)

# TEST_JOBS test processes (pytest-xdist; default: one per core). TEST_JOBS=0 runs them in this process.
TEST_JOBS ?= auto
test: $(STAMP)
	MPLBACKEND=Agg $(PY) -m pytest -n $(TEST_JOBS)

# KERNELS=auto (or avx2, baseline) builds the whole book under other CPU kernels than the ones that wrote the
# reference, with an empty run cache: every number of every chapter crosschecked at the cost of one build (CI).
# JOBS chapters are executed at a time (default 1).
# A chapter whose inputs are unchanged since its last execution is reused (FRESH=1 executes every chapter).
KERNELS ?=
JOBS ?=
FRESH ?=
book: $(STAMP)
	$(PY) scripts/build_book.py $(if $(KERNELS),--kernels $(KERNELS)) $(if $(JOBS),--jobs $(JOBS)) $(if $(FRESH),--fresh)

# make rerun CHAPTER=phase1 ARGS="-p n_seeds 3": rerun one chapter with your parameters (sets up .venv first).
rerun: $(STAMP)
	$(PY) -m cooccur chapter $(CHAPTER) $(ARGS)

# Double-clicking a chapter opens it as a notebook (jupytext.toml pairs it with notebooks/<name>.ipynb).
lab: $(STAMP)
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp scripts/lab-overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	$(PY) -m jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=$(CURDIR) \
		--LabApp.default_url=/lab/tree/book/intro.py $(if $(filter 0,$(shell id -u)),--allow-root)

check-html: $(STAMP)
	$(PY) -m pytest tests/test_browser.py

reference: $(STAMP)
	$(PY) scripts/build_book.py --write-reference $(if $(JOBS),--jobs $(JOBS))

CROSSCHECK_CHAPTERS ?=
CROSSCHECK_SETTINGS ?=
crosscheck: $(STAMP)
	$(PY) scripts/crosscheck.py $(if $(CROSSCHECK_CHAPTERS),--chapters $(CROSSCHECK_CHAPTERS)) \
		$(if $(CROSSCHECK_SETTINGS),--settings $(CROSSCHECK_SETTINGS)) $(CROSSCHECK_ARGS)

bench: $(STAMP)
	$(PY) bench/bench_flow.py
	$(PY) bench/bench_figure1.py
	$(PY) bench/bench_sweep.py
	$(PY) bench/bench_markov_gpt.py
	$(PY) bench/bench_scan_snap.py

# ruff, and the library's floors (import-linter's layers contract in pyproject.toml).
lint: $(STAMP)
	$(PY) -m ruff check src tests bench scripts book
	$(VENV)/bin/lint-imports

clean:
	rm -rf _build _crosscheck book/*.ipynb .cache notebooks
