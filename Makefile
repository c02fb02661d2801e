# Two commands do all the set-up on a fresh machine with Python 3.11, git and apt:
#   make run    install, migrate, load the demo, serve on http://127.0.0.1:5000
#   make test   install test needs (Python deps, Debian postgresql + chromium), run everything
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: screenshots run test test-sqlite test-postgres lint i18n i18n-check system-deps lock bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.run-deps: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.test-deps: $(VENV)/.run-deps
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test]"
	touch $@

translations/.compiled: $(VENV)/.run-deps $(wildcard translations/*/LC_MESSAGES/messages.po)
	$(BIN)/pybabel compile -d translations >/dev/null
	touch $@

run: $(VENV)/.run-deps translations/.compiled
	$(FLASK) pb migrate
	$(FLASK) pb demo
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl+C to stop)"
	$(FLASK) run --host $(HOST) --port $(PORT)

system-deps:
	.ci/system-deps

node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

test: $(VENV)/.test-deps translations/.compiled system-deps node_modules/axe-core/axe.min.js lint i18n-check
	PB_FUZZ=long $(BIN)/pytest
	PB_FUZZ=long .ci/with-postgres $(BIN)/pytest --db=postgresql

test-sqlite: $(VENV)/.test-deps translations/.compiled
	$(BIN)/pytest

lint: $(VENV)/.test-deps
	$(BIN)/ruff check .

# Extract strings, merge them into every catalog, compile. Translate, then run i18n-check.
i18n: $(VENV)/.run-deps
	$(BIN)/pybabel extract --add-comments=i18n: --ignore-dirs '.* __pycache__' -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--project=pb --copyright-holder="PB contributors" -o translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i translations/messages.pot -d translations
	$(BIN)/pybabel compile -d translations >/dev/null

i18n-check: $(VENV)/.test-deps
	$(BIN)/python -m pb.i18n.check

screenshots: $(VENV)/.test-deps translations/.compiled system-deps
	$(BIN)/python docs/screenshots.py

# Every performance target of docs/PERFORMANCE.md, each as a ratio to its reference measured
# in the same run, with met/missed (about 10 minutes on 2 cores; see bench/*.py for options).
bench: $(VENV)/.test-deps translations/.compiled
	$(BIN)/python bench/cpu_per_request.py --runs 5 --requests 200
	$(BIN)/python bench/casting_bench.py --db sqlite --voters 300 --concurrency 32 --servers 1 --targets
	$(BIN)/python bench/casting_bench.py --db postgresql --voters 300 --concurrency 32 --servers 2 --targets
	$(BIN)/python bench/tally_bench.py --runs 5
	$(BIN)/python bench/tally_memory.py --runs 5

lock: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	{ echo "# Exact versions tested in CI; regenerate with: make lock"; \
	  $(BIN)/pip freeze --exclude-editable; } > constraints.txt

clean:
	rm -rf $(VENV) translations/.compiled
