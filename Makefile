# Quick start: `make run CORPUS=path/to/articles` then `make test`.
PYTHON ?= python3
CORPUS ?= ../shared/corpus/seed
export PYTHON

.PHONY: setup run test test-fast bench

setup:
	bash scripts/setup.sh

run: setup
	$(PYTHON) -m khabar ingest $(CORPUS)
	$(PYTHON) -m khabar repl

test: setup
	$(PYTHON) -m pytest -q

test-fast:
	$(PYTHON) -m pytest -q -m "not slow"

bench: setup
	bash benchmarks/run_all.sh
