# eventhub — the two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
# make test: one pytest process per core (2 here); each has its own database (a temporary
# SQLite file, or its own PostgreSQL schema) and its own live server for the browser tests.
# PYTEST_WORKERS=0 runs everything in one process.
PYTEST_WORKERS ?= 2
FLASK  := $(BIN)/flask --app wsgi

# Links that leave the pages (calendar files, feeds, e-mails) are built from EVENTHUB_BASE_URL.
# Unless you set it (in the environment or on the command line), `make run` derives it from
# HOST and PORT, so that `make run PORT=5101` links to 5101; a server listening on every
# address (0.0.0.0, ::) is opened as 127.0.0.1, an IPv6 address goes in brackets.
ifeq ($(strip $(EVENTHUB_BASE_URL)),)
URL_HOST := $(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(if $(findstring :,$(HOST)),[$(HOST)],$(HOST)))
override EVENTHUB_BASE_URL := http://$(URL_HOST):$(PORT)
endif

.PHONY: run test screenshots install install-test translations migrate demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

translations: install
	$(BIN)/pybabel compile --statistics -d eventhub/translations

migrate: install
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) eventhub demo

## make run: install, migrate the SQLite database in instance/, load the demo, serve the
## app and run the scheduler (mail delivery and retries, expiry) beside it. Both get the
## same EVENTHUB_BASE_URL (above): the scheduler sends the e-mails.
run: translations demo
	@echo "eventhub runs on http://$(HOST):$(PORT)/  (links: $(EVENTHUB_BASE_URL); stop with Ctrl-C)"
	@EVENTHUB_BASE_URL='$(EVENTHUB_BASE_URL)' $(FLASK) eventhub scheduler & SCHEDULER=$$!; \
	trap 'kill $$SCHEDULER 2>/dev/null' EXIT INT TERM; \
	EVENTHUB_BASE_URL='$(EVENTHUB_BASE_URL)' $(FLASK) run --host $(HOST) --port $(PORT)

## make test: install the test dependencies, check style (ruff) and layering (lint-imports,
## contracts in pyproject.toml) and run the whole suite. The browser tests
## (tests/e2e) use Debian's Chromium at /usr/bin/chromium and are skipped without it.
test: install-test translations
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

## make screenshots: the main pages at desktop and phone size, as PNG files in screenshots/.
screenshots: install-test translations
	$(BIN)/python -m tests.e2e.screenshots --out screenshots

clean:
	rm -rf $(VENV) instance .pytest_cache
