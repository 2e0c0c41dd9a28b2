# make test   : create .venv if missing, install the project into it, run the tests.
# make book   : same set-up, then execute every chapter with papermill and build the HTML book (_build/html).
# make check-html: open every page of the built book in Chromium (console, images, math, links, downloads).
# make reference: build the book and write its numbers to book/reference-results.json (deliberately).
# make bench  : time Figure 1's setting with three engines, and the runs per second of the sweep machinery.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
export COOCCUR_CACHE_DIR ?= $(CURDIR)/.cache/experiments

.PHONY: test book reference check-html bench lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[book,dev]'
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (cooccur)" > /dev/null
	touch $(STAMP)

test: $(STAMP)
	MPLBACKEND=Agg $(PY) -m pytest

book: $(STAMP)
	$(PY) scripts/build_book.py

check-html: $(STAMP)
	$(PY) -m pytest tests/test_browser.py

reference: $(STAMP)
	$(PY) scripts/build_book.py --write-reference

bench: $(STAMP)
	$(PY) bench/bench_figure1.py
	$(PY) bench/bench_sweep.py

lint: $(STAMP)
	$(PY) -m ruff check src tests bench scripts book

clean:
	rm -rf _build book/*.ipynb .cache
