# Convene: `make demo` to see it run, `make test` to check it. Both install what is missing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STATE ?= $(CURDIR)/.state
export CONVENE_STATE_DIR ?= $(STATE)

# Debian packages the stack and the tests need: venv, the wiki, Redis, the browser for e2e tests,
# PHPUnit for the wiki extension's tests.
DEBS := python3-venv mediawiki php-sqlite3 php-cli php-intl php-mbstring php-xml redis-server chromium phpunit
PG_DEBS := postgresql
# Below the kernel's ephemeral range (32768+), so no free_port() of a test can take it.
PG_PORT ?= 25432

.PHONY: help deps debs venv demo test test-unit test-integration test-postgres bench \
        stack-down migration migration-reset lint-php clean

help:
	@echo "make demo           install what is missing, start the local stack, load and publish the content"
	@echo "make test           install what is missing and run the whole suite (SQLite)"
	@echo "make test-postgres  the same suite against a private PostgreSQL"
	@echo "make bench          every benchmark under tests/bench/ (make bench-NAME for one)"
	@echo "make stack-down     stop the local stack"

deps: debs venv

# Installs only what dpkg does not already report as installed.
debs:
	@missing=$$(for p in $(DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

demo: deps
	$(VENV)/bin/convene demo

test: deps lint-php
	$(PY) -m pytest -q -p no:cacheprovider

test-unit: venv
	$(PY) -m pytest -q tests/unit

test-integration: deps
	$(PY) -m pytest -q tests/integration

# A private PostgreSQL cluster (Debian's package) on its own port, then the same suite.
test-postgres: deps
	@dpkg-query -W -f='$${Status}\n' $(PG_DEBS) 2>/dev/null | grep -q '^install ok installed' || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PG_DEBS) >/dev/null; }
	bash deploy/local/postgres.sh start $(PG_PORT)
	CONVENE_TEST_DATABASE_URL=postgresql+psycopg://convene@127.0.0.1:$(PG_PORT)/convene_test \
	  $(PY) -m pytest -q -p no:cacheprovider; rc=$$?; bash deploy/local/postgres.sh stop $(PG_PORT); exit $$rc

bench: deps
	@set -e; for f in tests/bench/bench_*.py; do echo "== $$f"; $(PY) $$f; done

bench-%: deps
	$(PY) tests/bench/bench_$*.py

stack-down:
	$(VENV)/bin/convene stack down

lint-php:
	@files=$$(find wiki_extension -name '*.php' 2>/dev/null); \
	for f in $$files; do php -l $$f >/dev/null || exit 1; done

# A new migration from the difference between the models and the migrations.
migration: venv
	$(PY) -c "from services.db import alembic_config, import_models; from alembic import command; \
	  import_models(); command.revision(alembic_config('sqlite:///$(STATE)/migration.sqlite3'), \
	  message='$(MSG)', autogenerate=True)" && rm -f $(STATE)/migration.sqlite3

clean:
	rm -rf $(VENV) build *.egg-info

# Until the first release, the schema is one initial migration, regenerated from the models.
migration-reset: venv
	rm -f services/migrations/versions/0001_initial_schema.py
	$(PY) -c "from services.db import alembic_config, import_models; from alembic import command; \
	  import_models(); command.revision(alembic_config('sqlite:///$(STATE)/migration.sqlite3'), \
	  message='initial schema', autogenerate=True, rev_id='0001')" && rm -f $(STATE)/migration.sqlite3

# The dashboard's Codex CSS (design tokens + CSS-only components) from npm, built into
# services/web/static/codex/. The build is committed, so servers and CI need no Node;
# run this after changing the versions in services/web/package.json.
codex:
	cd services/web && npm ci --no-audit --no-fund --ignore-scripts
	$(PY) services/web/codex_build.py services/web/node_modules
