# Two commands set up everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test fuzz install catalogs db demo serve clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP) catalogs

catalogs: $(STAMP)
	$(BIN)/python -c "from portal.i18n import compile_catalogs; compile_catalogs()"

db: install
	$(BIN)/portal init-db

demo: db
	$(BIN)/portal seed --workers 2000 --if-empty

run: demo
	$(BIN)/portal serve --host 127.0.0.1 --port 5000

# Lint first (seconds), then the suite on both cores; the 15 slowest tests are printed
# so growth is seen. PYTEST_ARGS adds options (e.g. PYTEST_ARGS="-k loans -n 0").
test: install
	$(BIN)/ruff check .
	$(BIN)/pytest -q -n auto --dist worksteal --durations=15 $(PYTEST_ARGS)

# The fuzz tests with many more examples (make test runs a bounded profile of 8).
fuzz: install
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-300} FUZZ_SEED=1 $(BIN)/pytest -q -n auto tests/test_fuzz.py

# Excel speed and memory against Flask-Admin's own export (bench/excel.py; ~3 min,
# BENCH_ARGS=--million adds the 1,000,000-row export).
bench: install
	$(BIN)/pip install --quiet -e ".[test,bench]"
	$(BIN)/python bench/excel.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache test-artifacts
