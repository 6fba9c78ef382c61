# Jianzhi — the two commands of the README, plus helpers.
#   make run   embedded platform (SQLite + filesystem broker) with worker, beat and demo data
#   make test  the whole suite on PostgreSQL and Redis
#   make bench the load benchmark (see README › Performance)
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run cluster chaos test bench bench-quick install install-test messages browser-deps pdf-deps services-check lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Re-install only when the pinned dependencies change.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	@touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run
install-test: $(VENV)/.installed-test

# Compiled translations are build output (not committed); msgfmt comes from gettext.
messages: | $(BIN)/python
	@command -v msgfmt >/dev/null || scripts/apt-install gettext
	@$(BIN)/python manage.py compilemessages --ignore=.venv -v 0

run: install messages pdf-deps
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py seed_demo
	$(BIN)/python scripts/run_embedded.py --port $(PORT)

# The cluster on this machine, no Docker (issue 22): nginx in front of two gunicorn, three Celery
# workers, two beats (RedBeat lock: one schedules), the machine's PostgreSQL as primary plus a
# streaming replica on :5433 (pg_basebackup -R), Redis database 13. Ctrl-C stops all of it.
cluster: install messages services-check
	@command -v nginx >/dev/null || scripts/apt-install nginx
	$(BIN)/python scripts/cluster.py --port $(or $(CLUSTER_PORT),8080) $(CLUSTER_ARGS)

# The chaos test alone (issue 22, scripts/chaos.py): its own cluster, database (jianzhi_chaos) and
# redis-server on :16399, 10,000 settlements due; kills workers mid-chunk, the active beat, restarts
# Redis, terminates the workers' connections; checks every payment made exactly once. ≤ 5 minutes.
# `make test` skips it unless CI=true.
chaos: install-test messages services-check
	@command -v redis-server >/dev/null || scripts/apt-install redis-server
	CHAOS=1 DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest -m chaos tests/chaos -s $(PYTEST_ARGS)

# Real-browser tests drive Debian's Chromium; install it when it is missing.
# wrk (Debian's package) drives the benchmark's smoke run in `make test`.
# LibreOffice (headless Calc) opens the finance exports in the finance clerk's journey, as the clerk does.
browser-deps:
	@command -v chromium >/dev/null && command -v wrk >/dev/null && command -v soffice >/dev/null \
		&& fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || \
		scripts/apt-install chromium chromium-driver fonts-noto-cjk wrk libreoffice-calc-nogui

# The service agreement PDF (issue 19): WeasyPrint needs Debian's Pango (with its FreeType backend and
# HarfBuzz's subsetter) and embeds Debian's Noto CJK fonts; install them when they are missing.
pdf-deps:
	@fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' && /sbin/ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' \
		&& /sbin/ldconfig -p 2>/dev/null | grep -q 'libharfbuzz-subset.so.0' || \
		scripts/apt-install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk

services-check: | $(BIN)/python
	@$(BIN)/python scripts/check_services.py

test: install-test messages browser-deps pdf-deps services-check
	@mkdir -p var
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest --create-db $(PYTEST_ARGS)

# Full size (bench/results.json; the data set is reused while unchanged, BENCH_ARGS=--fresh rebuilds it).
# --lcp: the student pages on a throttled phone in Chromium (student_pages_lcp_p95_ms).
bench: install-test messages services-check browser-deps
	$(BIN)/python bench/run.py --lcp $(BENCH_ARGS)

# Small data set, short runs (bench/out/results-quick.json); what `make test` smoke-tests.
bench-quick: install-test messages services-check
	@command -v wrk >/dev/null || scripts/apt-install wrk
	$(BIN)/python bench/run.py --quick $(BENCH_ARGS)

# Ruff, then the layer rules (import-linter contracts in pyproject.toml), then mypy on the
# packages listed in [tool.mypy] files (django-stubs' plugin loads config.settings.test:
# no database or Redis is contacted).
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

clean:
	rm -rf var staticfiles test-artifacts bench/out
