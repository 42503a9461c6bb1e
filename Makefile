# cnnbook: two commands do everything on a fresh machine with Python 3 and make.
#   make test   set up .venv, then run pytest (unit tests and every doctest)
#   make html   set up .venv, then build the book into _build/html
# and, run by CI after those two:
#   make check-html    open every built page in headless Chromium (tests/browser_check.py)
#   make check-repro   build again, executing every page afresh, and compare (tests/repro_check.py)
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# -E: read every page on every build (executed pages come from the cache), so
# that a page whose warning failed one build fails the next one too.
SPHINXOPTS ?= -W --keep-going -n -E
# Two BLAS threads, one per core: measured on a quiet 2-core machine they make a
# training epoch about 25 % faster than one BLAS thread plus a thread for the
# im2col copies (which cnnbook therefore no longer has). They stall badly when
# another process holds a core; set OPENBLAS_NUM_THREADS=1 on a busy machine.
export OMP_NUM_THREADS ?= 2
export OPENBLAS_NUM_THREADS ?= 2
export MPLBACKEND := Agg
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: help env test html check-html check-repro chromium bench lint format clean

help:
	@echo "make test    set up .venv and run pytest with all doctests"
	@echo "make html    set up .venv and build the book into _build/html"
	@echo "make bench   run the speed benchmarks"
	@echo "make lint    run ruff"
	@echo "make check-html   build, then check every page in headless Chromium"
	@echo "make check-repro  build a second time from scratch and compare byte for byte"

# The environment is rebuilt only when pyproject.toml changes.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

env: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest

html: $(STAMP)
	$(BIN)/sphinx-build $(SPHINXOPTS) -d _build/doctrees -c . docs _build/html

# Debian's Chromium; Playwright's own browser downloads are not used.
CHROMIUM ?= /usr/bin/chromium
chromium:
	@command -v chromium >/dev/null || test -x $(CHROMIUM) || \
		(apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

check-html: html chromium
	$(BIN)/python tests/browser_check.py _build/html --chromium "$$(command -v chromium || echo $(CHROMIUM))"

check-repro: html
	$(BIN)/python tests/repro_check.py --out _build/repro --sphinxopts "$(SPHINXOPTS)"

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py
	$(BIN)/python benchmarks/build_times.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf _build .jupyter_cache
