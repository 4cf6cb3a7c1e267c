# Every developer command. `make run` and `make test` work on a fresh machine.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
PORT ?= 8000
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run services test test-lane-1 test-lane-2 test-sqlite test-postgres test-pure test-faults fuzz lint audit typecheck fmt migrate benchmarks docs-cli clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==25.3"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[static,embed,ray,dev,bench]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	@$(BIN)/python manage.py shell --no-imports -c "from safedata.documents.models import Document; Document.objects.exists() or print('The database is empty. To try the site, load sample data: $(BIN)/safedata demo load')"
	@echo "Serving on http://127.0.0.1:$(PORT)/ (Ctrl-C stops)"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput

# Pure packages once; everything that touches the database on SQLite and on PostgreSQL.
# Two lanes side by side, one a core: lint, pure tests and PostgreSQL here (shown as they
# run); type check, SQLite and the fault tests alongside (shown when both lanes are done).
# Each suite has its own data folder and Redis databases (tests/conftest.py), so the two
# never meet. Fails when any step of either lane fails.
LANES = $(TEST_DATA)/test-lanes
test: $(STAMP) services
	@mkdir -p $(LANES); \
	$(MAKE) --no-print-directory test-lane-2 > $(LANES)/lane-2.log 2>&1 & lane2=$$!; \
	trap 'kill $$lane2 2>/dev/null' INT TERM; \
	$(MAKE) --no-print-directory test-lane-1; lane1=$$?; \
	wait $$lane2; lane2=$$?; \
	echo "==== alongside: typecheck, test-sqlite, test-faults (exit $$lane2) ===="; \
	cat $(LANES)/lane-2.log; \
	echo "==== make test: lane 1 exit $$lane1, lane 2 exit $$lane2 ===="; \
	[ $$lane1 -eq 0 ] && [ $$lane2 -eq 0 ]

test-lane-1: lint test-pure test-postgres
test-lane-2: typecheck test-sqlite test-faults

# Chromium, PostgreSQL and Redis: installed (as root) or started when missing or down.
services:
	scripts/test-services

test-pure: $(STAMP)
	$(BIN)/pytest -m "not db_suite" -p no:cacheprovider --ignore=tests/faults

# Each database suite in a data folder of its own (SQLite file, snapshots, static files).
TEST_DATA = $${SAFEDATA_DATA_DIR:-$(CURDIR)/var}
test-sqlite: $(STAMP)
	SAFEDATA_DATA_DIR=$(TEST_DATA)/test-sqlite $(BIN)/pytest -m db_suite -p no:cacheprovider

test-postgres: $(STAMP)
	DATABASE_URL=$(PG_URL) SAFEDATA_DATA_DIR=$(TEST_DATA)/test-postgres $(BIN)/pytest -m db_suite -p no:cacheprovider

# Crashes on loopback: gunicorn workers and master killed, a PostgreSQL of the test's own
# stopped, a full disk, a backup restored. FAULT_ROUNDS=20 is the benchmark run.
test-faults: $(STAMP)
	$(BIN)/pytest tests/faults -p no:cacheprovider

# Every parser at 10,000 examples (CI runs the same tests with the smaller default profile).
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest tests/fuzz -p no:cacheprovider -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/bandit -q -r src --severity-level high

# Known vulnerabilities in the installed packages (asks the PyPI advisory service);
# --strict: a package that could not be looked up fails the audit instead of passing it.
audit: $(STAMP)
	$(BIN)/pip-audit --skip-editable --strict --progress-spinner off

fmt: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy src

docs-cli: $(STAMP)
	$(BIN)/python -m safedata.cli_docs > docs/cli.md

benchmarks: $(STAMP)
	$(BIN)/python benchmarks/votes.py
	$(BIN)/python benchmarks/export.py --rows 1000000
	$(BIN)/python benchmarks/classify.py

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
