# Two commands: `make demo` (set up, start the embedded database, import the shipped real
# data, run the P-window job with spark-submit) and `make test` (set up, run the tests on
# nx-27017, then on SecantusDB).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# spark-submit finds Spark through the Python on PATH; our logging settings live in conf/spark
SPARK_ENV := PATH=$(CURDIR)/$(BIN):$$PATH SPARK_CONF_DIR=$(CURDIR)/conf/spark SPARK_LOCAL_IP=127.0.0.1

.PHONY: setup demo import test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	# bytecode for our own modules too (pip compiles the others): every Spark process imports them
	$(BIN)/python -m compileall -q sparkseis jobs
	# the jobs' default travel-time table, so that the first run does not build it (~10 s)
	$(BIN)/sparkseis traveltime --model iasp91
	touch $(STAMP)

setup: $(STAMP)

import: $(STAMP)
	$(BIN)/sparkseis db start
	$(BIN)/sparkseis import data --db getting_started

# The Okhotsk traces start 289.6 s before their origin, the rf ones 300 s after theirs:
# match the nearest origin within 400 s of the data start (these events are days apart).
# The rf traces are 9 minutes long, so the demo cuts 95 s around P (-60..35 s), and uses
# Pdiff beyond 98 degrees: 42 of the 45 shipped waveforms give a window.
demo: import
	$(SPARK_ENV) $(BIN)/spark-submit jobs/p_window.py --db getting_started --output-tag p_window \
		--t0offset 0 --tolerance 400 --window -60 35 --pdiff --overwrite
	$(BIN)/sparkseis plot --db getting_started --tag p_window --output var/p_window_section.png

test: $(STAMP)
	$(BIN)/ruff check sparkseis tests jobs benchmarks
	$(BIN)/ruff format --check sparkseis tests jobs benchmarks
	$(SPARK_ENV) $(BIN)/python -m pytest -q --doctest-modules sparkseis/core sparkseis/algorithms sparkseis/db/normalize.py sparkseis/client.py sparkseis/report.py tests
	# the tests that talk to a server, again on the second embedded server (WiredTiger, MongoDB's
	# storage engine); tests/algorithms and tests/core test pure functions and need no server
	SPARKSEIS_TEST_SERVER=secantusdb $(SPARK_ENV) $(BIN)/python -m pytest -q tests --ignore=tests/algorithms --ignore=tests/core

bench: $(STAMP)
	$(BIN)/python benchmarks/traveltime_bench.py
	$(BIN)/python benchmarks/matcher_bench.py
	$(BIN)/python benchmarks/gridfs_write_bench.py
	$(SPARK_ENV) $(BIN)/python benchmarks/p_window_bench.py

clean:
	-$(BIN)/sparkseis db stop
	rm -rf $(VENV) var
