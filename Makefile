# Two commands on a fresh machine: `make up` runs the mesh, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: up down status test lint gen bench bench-ai bench-sagas clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

up: $(STAMP)
	$(BIN)/tablemesh up

down: $(STAMP)
	$(BIN)/tablemesh down

status: $(STAMP)
	$(BIN)/tablemesh status

test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

gen: $(STAMP)
	$(BIN)/python scripts/codegen.py

bench: $(STAMP)
	$(BIN)/python -m bench.users_read

bench-ai: $(STAMP)
	$(BIN)/python -m bench.ai_chain

bench-sagas: $(STAMP)
	$(BIN)/python -m bench.sagas

clean:
	rm -rf $(VENV) var
