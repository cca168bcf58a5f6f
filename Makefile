# The README's two commands: `make run` and `make test`. Everything else is plumbing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: run test test-sqlite test-postgres lint bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,redis]"
	touch $@ $(VENV)/.installed

## Set up and run the app: SQLite, sandbox, web server and worker together.
run: $(VENV)/.installed
	$(BIN)/python manage.py runapp

## Set up and run the tests: the whole suite on SQLite, then the queue suite on PostgreSQL.
test: $(VENV)/.installed-test
	scripts/ensure-chromium
	$(MAKE) --no-print-directory test-sqlite test-postgres

test-sqlite: $(VENV)/.installed-test
	$(BIN)/python -m ruff check .
	$(BIN)/python -m pytest

test-postgres: $(VENV)/.installed-test
	DATABASE_URL=$(POSTGRES_URL) $(BIN)/python -m pytest -m postgres

lint: $(VENV)/.installed-test
	$(BIN)/python -m ruff check .

## Regenerate docs/screenshots/*.png from the browser tests.
screenshots: $(VENV)/.installed-test
	scripts/ensure-chromium
	BIGIN_UI_SCREENSHOTS=1 $(BIN)/python -m pytest -m browser -q

bench: $(VENV)/.installed
	$(BIN)/python manage.py bigin_bench

clean:
	rm -rf $(VENV) var staticfiles
