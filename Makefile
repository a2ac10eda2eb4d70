# Two commands on a fresh machine: `make up` runs the mesh, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: render-chart up down status test test-console test-slow test-unit test-realtime test-rest test-chaos test-e2e test-hosts pytest lint gen bench bench-ai bench-sagas bench-automation bench-webhooks bench-tables clean wrk h2load console chromium

# llama-cpp-python is source only on PyPI: built once here (about 3 minutes on 2 cores;
# portable, not tuned to this CPU) and then taken from pip's wheel cache in seconds.
LLAMA_BUILD := CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF" CMAKE_BUILD_PARALLEL_LEVEL=2

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	@echo "installing (a first build of llama-cpp-python takes minutes; later ones seconds)"
	$(LLAMA_BUILD) $(BIN)/pip install --quiet -e '.[dev]'
	@for tool in $$($(BIN)/python -c "$(ISOLATED_TOOLS)"); do \
	  name=$${tool%%=*}; echo "installing $$tool in $(VENV)/$$name"; \
	  $(PYTHON) -m venv $(VENV)/$$name && $(VENV)/$$name/bin/pip install --quiet "$$tool" \
	  || exit 1; done
	touch $(STAMP)

# pyproject.toml's [tool.tablemesh.isolated-tools]: pins that clash with the dev tools'.
ISOLATED_TOOLS := import tomllib; \
  print(*tomllib.load(open('pyproject.toml', 'rb'))['tool']['tablemesh']['isolated-tools'].values())

install: $(STAMP)

# The web console (console/, Vite): `npm ci` when its lock file changed, `npm run build`
# when console/dist is missing or older than any source; nothing without a console app.
# Vite rewrites dist/index.html on every build, so it stands for the build's age.
CONSOLE_DEPS := console/node_modules/.tablemesh-installed
CONSOLE_BUILD := console/dist/index.html
CONSOLE_SOURCES := $(shell find console/src -type f 2>/dev/null) $(wildcard console/index.html \
  console/package.json console/package-lock.json console/vite.config.* console/tsconfig*.json) \
  $(shell find console/public -type f 2>/dev/null)

console:
	@if [ -f console/package.json ]; then $(MAKE) --no-print-directory $(CONSOLE_BUILD); \
	  else echo "no console app in this checkout (console/package.json): nothing to build"; fi

$(CONSOLE_DEPS): console/package.json $(wildcard console/package-lock.json)
	@command -v npm >/dev/null || { echo "the console needs Node.js and npm: install them"; exit 1; }
	cd console && npm ci --no-audit --no-fund
	mkdir -p $(@D) && touch $@

$(CONSOLE_BUILD): $(CONSOLE_DEPS) $(CONSOLE_SOURCES)
	cd console && npm run build
	touch $@

up: $(STAMP) console
	$(BIN)/tablemesh up

down: $(STAMP)
	$(BIN)/tablemesh down

status: $(STAMP)
	$(BIN)/tablemesh status

# $(call debian,CHECK,PACKAGE,WHAT): a Debian tool the tests or benches need. When the
# shell test CHECK fails, PACKAGE is installed if we may (root, with apt-get); else the
# recipe stops saying WHAT needs it and how to install it.
debian = @$(1) || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
  && apt-get update -qq && apt-get install -y -qq $(2); } \
  || { echo "$(3): install it with 'apt-get install $(2)'"; exit 1; }

# The overload test and the edge bench drive the gateway with wrk, Debian's compiled HTTP
# load generator.
wrk:
	$(call debian,command -v wrk >/dev/null,wrk,make test needs wrk)

# The browser tests drive Debian's Chromium through Playwright (which cannot download its
# own browsers here).
chromium:
	$(call debian,[ -x /usr/bin/chromium ],chromium,make test needs Chromium)

# Every check as parallel jobs, each printed in one piece when it ends: first the linters
# (`lint`), the console's unit tests and the tests without a mesh (`test-unit`), then the
# two meshes' slices side by side (`test-chaos`: the chaos mesh; `test-e2e`: the shared
# mesh, browser tests included), which spend much of their time waiting on their meshes.
# The unit tests don't share the cores with a mesh: some pace real requests in real time.
# The console is built first, once. `make test-slow` runs what is left out: whole
# chat turns on a real model (SmolLM2, and the default Qwen end to end), minutes on a CPU.
test: $(STAMP) wrk chromium console
	@$(MAKE) --no-print-directory -j3 --output-sync=target lint test-console test-unit
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-chaos test-e2e

# The console's own unit tests (vitest, over its client-side logic).
test-console: console
	cd console && npm test

SLICE_unit := unit and not slow
SLICE_realtime := unit and realtime and not slow
SLICE_rest := unit and not realtime and not slow
SLICE_chaos := chaos and not slow
SLICE_e2e := e2e and not chaos and not slow
SLICE_slow := slow
# The unit tests in two processes (pytest-xdist): many of them wait on timers and sockets,
# so two halve their time even on 2 cores. The meshes' slices stay one process each: a
# second would boot a second mesh.
XDIST_unit := -n 2
# test-realtime and test-rest split test-unit by the `realtime` marker (a unit test that
# bounds real time, deadlines or leases), for a make test that runs only the first before
# the meshes boot; tried, not yet adopted: see the commit that restored the two phases.
XDIST_realtime := -n 2
XDIST_rest := -n 2
test-unit test-realtime test-rest test-chaos test-e2e test-slow: test-%: $(STAMP) wrk chromium console
	$(BIN)/pytest -q -m '$(SLICE_$*)' $(XDIST_$*) $(PYTEST_ARGS)

# The multi-host tests (tests/hosts, marker `hosts`): PostgreSQL and Redis on host A and a
# mesh on hosts B and C, each host a network namespace on one bridge. As root (ip netns);
# in no slice of `make test`. One process: each test boots its own hosts.
test-hosts: $(STAMP) console
	$(BIN)/pytest -q -m hosts tests/hosts $(PYTEST_ARGS)

# The tests in one process; PYTEST_ARGS passes options (e.g. PYTEST_ARGS='-m unit').
pytest: $(STAMP) wrk chromium console
	$(BIN)/pytest -q $(PYTEST_ARGS)

# The console's tsc and prettier; ruff, mypy, buf lint, buf breaking (against main when
# there is one) and a generated/ that matches a fresh `make gen`.
lint: $(STAMP) console
	cd console && npm run lint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/buf lint
	@if git rev-parse --verify --quiet main >/dev/null; then against=.git#branch=main; \
	  else against=.git#ref=HEAD; fi; echo "buf breaking --against $$against"; \
	  $(BIN)/buf breaking --against "$$against"
	@scratch=$$(mktemp -d) && trap 'rm -rf "$$scratch"' EXIT && \
	  { $(BIN)/python scripts/codegen.py "$$scratch/generated" 2>"$$scratch/log" \
	    || { cat "$$scratch/log"; exit 1; }; } && \
	  diff -rq -x __pycache__ "$$scratch/generated" generated \
	  || { echo "generated/ is stale: run make gen"; exit 1; }

# The Helm chart's manifests with its default values, rendered offline (helm-python-sdk);
# e.g. `make render-chart RENDER_ARGS='--set model.enabled=true,model.existingClaim=models'`.
render-chart: $(STAMP)
	@$(BIN)/python scripts/render_chart.py $(RENDER_ARGS)

gen: $(STAMP)
	$(BIN)/python scripts/codegen.py

# The users bench drives gRPC with h2load (Debian's nghttp2-client), installed like wrk.
h2load:
	$(call debian,command -v h2load >/dev/null,nghttp2-client,make bench needs h2load)

bench: $(STAMP) wrk h2load
	$(BIN)/python -m bench.users_read

bench-ai: $(STAMP)
	$(BIN)/python -m bench.ai_chain
	$(BIN)/python -m bench.local_model

bench-sagas: $(STAMP)
	$(BIN)/python -m bench.sagas

# Workflows: the delay from a record event to the execution it starts.
bench-automation: $(STAMP)
	$(BIN)/python -m bench.automation

# Webhooks: deliveries per second to a local receiver, and an event's delay to delivery.
bench-webhooks: $(STAMP)
	$(BIN)/python -m bench.webhooks

# Tables of 1,000, 10,000 and 100,000 records: import rate, a one-match filter and the
# first sorted page through Envoy (p50), and reads during the imports.
bench-tables: $(STAMP)
	$(BIN)/python -m bench.tables

clean:
	rm -rf $(VENV) var console/dist console/node_modules
