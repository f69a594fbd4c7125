# Two commands matter: `make demo` and `make test`. Everything else is what they call.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint typecheck unit services install bench lock clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -qq --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/acuneuro demo

services:
	bash scripts/ensure-postgres.sh
	bash scripts/ensure-chromium.sh
	bash scripts/ensure-fhir-validator.sh

lint: install
	$(BIN)/ruff check src tests scripts $(wildcard bench)
	$(BIN)/lint-imports
	$(BIN)/python scripts/check_module_size.py

typecheck: install
	$(BIN)/mypy
	$(BIN)/mypy --explicit-package-bases tests bench

# The load test measures latency, so it runs alone once the parallel suite is done.
unit: install services
	$(BIN)/pytest -n 2 --dist loadgroup -m "not load"
	$(BIN)/pytest -n 0 -m load

test: lint typecheck unit

# R and metafor only for the benchmark (never a runtime dependency): installed when missing.
bench: install
	bash bench/ensure-r.sh
	$(BIN)/python -m bench $(BENCH_ARGS)

# Re-pin every dependency after a change to pyproject.toml.
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install --quiet -e '.[dev]'
	.lockenv/bin/pip freeze --exclude-editable | grep -v '^acuneuro' > requirements.lock
	rm -rf .lockenv

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
