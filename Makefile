# Two commands matter: `make demo` and `make test`. Everything else is what they call.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint typecheck unit services install bench lock clean messages

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

# Collect every translatable text (Python, templates, knowledge labels: babel.cfg) into the
# catalogue template and merge it into each language's catalogue; then translate the entries
# with an empty msgstr or a fuzzy flag (tests/i18n/test_catalogue.py fails until none is left).
messages: install
	mkdir -p var
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k ngettext:1,2 --no-location --sort-output \
		--project acuneuro --msgid-bugs-address "" -o var/messages.pot .
	$(BIN)/pybabel update -i var/messages.pot -d src/acuneuro/i18n/locale -D messages \
		--no-fuzzy-matching --ignore-obsolete -l it

# Re-pin every dependency after a change to pyproject.toml.
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install --quiet -e '.[dev]'
	.lockenv/bin/pip freeze --exclude-editable | grep -v '^acuneuro' > requirements.lock
	rm -rf .lockenv

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
