# eventhub — the two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
FLASK  := $(BIN)/flask --app wsgi

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
## app and run the scheduler (mail delivery and retries, expiry) beside it.
run: translations demo
	@echo "eventhub runs on http://$(HOST):$(PORT)/  (stop with Ctrl-C)"
	@$(FLASK) eventhub scheduler & SCHEDULER=$$!; \
	trap 'kill $$SCHEDULER 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

## make test: install the test dependencies and run the whole suite. The browser tests
## (tests/e2e) use Debian's Chromium at /usr/bin/chromium and are skipped without it.
test: install-test translations
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## make screenshots: the main pages at desktop and phone size, as PNG files in screenshots/.
screenshots: install-test translations
	$(BIN)/python -m tests.e2e.screenshots --out screenshots

clean:
	rm -rf $(VENV) instance .pytest_cache
