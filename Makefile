# cnnbook: two commands do everything on a fresh machine with Python 3 and make.
#   make test   set up .venv, then run pytest (unit tests and every doctest)
#   make html   set up .venv, then build the book into _build/html
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SPHINXOPTS ?= -W --keep-going -n
# BLAS threads: the machine has 2 cores; one thread per core is fastest.
export OMP_NUM_THREADS ?= 2
export OPENBLAS_NUM_THREADS ?= 2
export MPLBACKEND := Agg
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: help env test html bench lint format clean

help:
	@echo "make test    set up .venv and run pytest with all doctests"
	@echo "make html    set up .venv and build the book into _build/html"
	@echo "make bench   run the speed benchmarks"
	@echo "make lint    run ruff"

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
	$(BIN)/sphinx-build $(SPHINXOPTS) -c . docs _build/html

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf _build .jupyter_cache
