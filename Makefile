# Operator Desk. `make demo` and `make test` each do their own set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
NODE_INSTALLED := node_modules/.installed
ESLINT := node_modules/.bin/eslint

# The embedded desk: SQLite + in-memory channel layer + the sandbox platform. Throwaway secrets
# are only accepted with DEBUG=1, so nothing here can leak into a production start.
export DEBUG ?= 1
export FROMNI_API_TOKEN ?= sandbox-token
export FROMNI_CALLBACK_SECRET ?= sandbox-secret

.PHONY: install install-js browser gettext messages demo test test-js test-embedded test-services test-storms \
	lint lint-imports format clean bench bench-tools

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Python 3.11 or newer is required ($(PYTHON) is older)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(INSTALLED)

# The JavaScript tools (ESLint), as package-lock.json pins them; npm refuses a Node.js older than
# they need. Only lint and tests use them: the page is served from static/ as it is, no build step.
$(NODE_INSTALLED): package.json package-lock.json
	npm ci --engine-strict --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

install-js: $(NODE_INSTALLED)

# Debian's chromium for the browser tests (quick when it is there already).
browser:
	@bash scripts/install-browser.sh

# Debian's gettext, for makemessages and compilemessages (quick when it is there already). The
# compiled catalogues are committed, so the desk itself (`make demo`) does not need it.
gettext:
	@bash scripts/install-gettext.sh

# After marking a string for translation: adds it to locale/ru/LC_MESSAGES/*.po (the source of the
# wording; translate it there), then compiles the .mo files. docs/conventions.md.
messages: install gettext
	@PY=$(PY) bash scripts/messages.sh

# PORT= and SANDBOX_PORT= for a machine where 8000 or 8100 is taken.
PORT ?= 8000
SANDBOX_PORT ?= 8100

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py create_demo_users
	$(PY) manage.py demo --port $(PORT) --sandbox-port $(SANDBOX_PORT)

# The whole suite on the embedded default, then, where PostgreSQL and Redis answer on
# 127.0.0.1, everything that touches the database or the channel layer again on them. gettext:
# tests/test_translations.py checks the catalogues against the code with makemessages. First
# the layers contract (lint-imports), which takes seconds.
test: install browser gettext lint-imports test-js test-embedded test-services

# The page's JavaScript: lint, then unit tests with node's own runner (tests/js/).
test-js: install-js
	$(ESLINT) .
	node --test --test-reporter=spec tests/js/*.test.js

test-embedded:
	$(PY) -m pytest

test-services:
	@bash scripts/test-services.sh

# The storms and fuzz runs at full size (make test runs them reduced): 500 replies through an
# outage, 10,000 mutated callbacks, on both configurations.
test-storms: install
	DESK_STORM_REPLIES=500 DESK_FUZZ_BODIES=10000 $(PY) -m pytest tests/test_faults.py tests/test_fuzz.py
	DESK_STORM_REPLIES=500 DESK_FUZZ_BODIES=10000 bash scripts/test-services.sh tests/test_faults.py tests/test_fuzz.py

# Benchmarks print Markdown tables (docs/benchmarks.md); they need PostgreSQL and Redis on 127.0.0.1.
bench-tools:
	@command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }
	@command -v socat >/dev/null || { apt-get update -q && apt-get install -y -q socat; }

bench: install bench-tools
	$(PY) -m bench.callbacks
	$(PY) -m bench.latency
	$(PY) -m bench.idle
	$(PY) -m bench.pages
	$(PY) -m bench.reports
	$(PY) -m bench.contacts
	$(PY) -m bench.search
	$(PY) -m bench.outbox
	$(PY) -m bench.fanout
	$(PY) -m bench.capacity

lint: install install-js lint-imports
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(ESLINT) .

# The layers contract in pyproject.toml ([tool.importlinter]; docs/conventions.md): fails when
# an import runs up a layer. Part of `make lint` and `make test` (so of CI, .ci/run).
lint-imports: install
	$(VENV)/bin/lint-imports --no-cache

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) node_modules var staticfiles .pytest_cache .ruff_cache .import_linter_cache .grimp_cache
