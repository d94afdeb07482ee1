# 心育驿站: `make serve` and `make test` are all a fresh machine needs (Python 3.11+ and make).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
SERVE_STAMP := $(VENV)/.installed-serve
TEST_STAMP := $(VENV)/.installed-test
# `make check`: everything but the browser, live-nginx, PostgreSQL-cluster and reliability runs.
QUICK := -m "not e2e and not slow" --ignore=tests/test_deploy.py --ignore=tests/test_reliability.py \
	--ignore=tests/test_stateful.py

# `make test-postgres`: the domain API suites again, every app fixture on a throwaway PostgreSQL.
PG_SUITES := tests/trainings tests/bookings tests/volunteers tests/rota tests/me tests/notices tests/schools \
	tests/stats tests/admin tests/forms tests/web tests/test_app.py

.PHONY: serve test test-postgres check lint types contract build install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the declared dependencies change. Serving needs no test tool.
$(SERVE_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $(SERVE_STAMP)

$(TEST_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(SERVE_STAMP) $(TEST_STAMP)

install: $(TEST_STAMP)

build: $(SERVE_STAMP)
	$(BIN)/portal build

serve: build
	$(BIN)/portal serve --host $(HOST) --port $(PORT)

lint: $(TEST_STAMP)
	$(BIN)/ruff check forms_api hooks tests bench

types: $(TEST_STAMP)
	$(BIN)/mypy

contract: $(TEST_STAMP)
	$(BIN)/lint-imports

check: lint types contract
	$(BIN)/python -m pytest -q $(QUICK) $(PYTEST_ARGS)

test: lint types contract
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: $(TEST_STAMP)
	PORTAL_TEST_DATABASE=postgresql $(BIN)/python -m pytest -q -m "not e2e and not slow" \
		$(PG_SUITES) $(PYTEST_ARGS)

clean:
	rm -rf site .pytest_cache test-artefacts
