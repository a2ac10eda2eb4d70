# Two commands on a fresh machine: `make up` runs the mesh, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: up down status test lint gen bench bench-ai bench-sagas clean wrk h2load

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

# The overload test and the edge bench drive the gateway with wrk, Debian's compiled HTTP
# load generator: installed here when it is missing and we may (root), else named.
wrk:
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && apt-get update -qq && apt-get install -y -qq wrk; } \
	  || { echo "make test needs wrk: install it with 'apt-get install wrk'"; exit 1; }

test: $(STAMP) wrk
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

gen: $(STAMP)
	$(BIN)/python scripts/codegen.py

# The users bench drives gRPC with h2load (Debian's nghttp2-client), installed like wrk.
h2load:
	@command -v h2load >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && apt-get update -qq && apt-get install -y -qq nghttp2-client; } \
	  || { echo "make bench needs h2load: install it with 'apt-get install nghttp2-client'"; exit 1; }

bench: $(STAMP) wrk h2load
	$(BIN)/python -m bench.users_read

bench-ai: $(STAMP)
	$(BIN)/python -m bench.ai_chain

bench-sagas: $(STAMP)
	$(BIN)/python -m bench.sagas

clean:
	rm -rf $(VENV) var
