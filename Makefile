# Two commands: `make demo` (set up, start the embedded database, import the shipped data,
# run the P-window job) and `make test` (set up, run the tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m sparkseis.demo

test: $(STAMP)
	$(BIN)/ruff check sparkseis tests jobs benchmarks
	$(BIN)/python -m pytest -q tests

clean:
	rm -rf $(VENV) var
