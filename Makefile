# The project's interface. Two commands matter (see README):
#   make book   set up, execute what changed, build HTML + PDF, publish atomically
#   make test   the same set-up plus the browser, then every test
# Every target is idempotent and quick when nothing changed.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: book test validate bench setup venv system-deps system-deps-test node-deps-test clean distclean lint help

help:
	@echo "make book      build the report: _build/html and _build/pdf/belarus-tech-exodus.pdf"
	@echo "make test      every test (what CI runs)"
	@echo "make validate  validate the data package in data/"
	@echo "make bench     print the benchmark figures"

# The venv is rebuilt only when the pins or the package metadata change.
$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==26.3"
	$(PY) -m pip install --quiet --no-deps -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m pip check
	@touch $@

venv: $(STAMP)

setup: $(STAMP) system-deps

system-deps:
	@tools/system-deps.sh pdf

system-deps-test: node-deps-test
	@tools/system-deps.sh pdf browser

# The browser tests inject today's axe-core, pinned in tests/node/package-lock.json, from
# the npm registry (Node.js and npm from Debian where the machine has none).
NODE_STAMP := tests/node/node_modules/.installed
$(NODE_STAMP): tests/node/package-lock.json
	@command -v npm >/dev/null || tools/system-deps.sh node
	npm ci --prefix tests/node --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

node-deps-test: $(NODE_STAMP)

book: setup
	$(PY) -m exodus.build

validate: $(STAMP)
	$(PY) -m exodus.validate

test: $(STAMP) system-deps-test
	$(PY) -m exodus.build
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests tools notebooks

LH_STAMP := tools/lighthouse/node_modules/.installed
$(LH_STAMP): tools/lighthouse/package-lock.json
	@command -v npm >/dev/null || tools/system-deps.sh node
	npm ci --prefix tools/lighthouse --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

bench: $(STAMP) system-deps-test $(LH_STAMP)
	$(PY) tools/bench.py

# Scratch space only: the published site and PDF stay (a build never needs this; it
# discards its own scratch space, also after a killed build).
clean:
	rm -rf _build/work _build/stage _build/state.json _build/cache

distclean: clean
	rm -rf _build
