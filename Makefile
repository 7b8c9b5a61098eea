# lexseal — one task runner. `make run` starts everything; `make test` runs every check and test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
STAMP := $(VENV)/.synced
MEMBERS := $(wildcard libs/*/pyproject.toml services/*/pyproject.toml gateway/pyproject.toml clients/*/pyproject.toml cli/pyproject.toml)
SRC_DIRS := libs/events/src libs/servicekit/src libs/cnid/src libs/pades/src libs/ca/src services/contract/src services/review/src services/signing/src services/letters/src services/notify/src gateway/src cli/src clients/python/src
PYTEST := $(PY) -m pytest

.PHONY: help run cluster chaos bench-deps test check lint js-lint typecheck boundaries unit-tests e2e fault-suite bench bench-gateway bench-outbox bench-signing bench-lifecycle bench-tracing demo system-deps system-deps-test install clean mutation

help:
	@echo "make run    start every service and the gateway with demo users (http://127.0.0.1:8000)"
	@echo "make test   lint, types, service boundaries, unit + integration + end-to-end tests"
	@echo "make demo   run one complete signing and letter lifecycle through a running gateway"
	@echo "make cluster  3 RabbitMQ nodes, HAProxy, 2 replicas of every service (Ctrl-C stops)"
	@echo "make bench  run the benchmarks (gateway proxy, outbox relay, signing)"
	@echo "make fault-suite  the whole system under load while the broker and processes fail"

install: $(STAMP)

$(STAMP): pyproject.toml uv.lock $(MEMBERS)
	@command -v $(PYTHON) >/dev/null || { echo "need Python 3.11+ ($(PYTHON))"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@test -x $(UV) || $(PY) -m pip install -q uv
	$(UV) sync --locked --all-packages --compile-bytecode --python $(PY) -q
	$(PY) -m compileall -q libs services gateway cli clients >/dev/null
	@touch $(STAMP)

system-deps:
	@bash deploy/system-deps.sh

system-deps-test:
	@bash deploy/system-deps.sh --test

run: system-deps install
	@bash deploy/ensure-rabbitmq.sh
	$(PY) deploy/run.py

# 3 RabbitMQ nodes, HAProxy, 2 replicas of every service and 2 gateways on this machine
cluster: system-deps install
	@bash deploy/system-deps.sh --cluster
	$(PY) deploy/cluster.py

demo: install
	$(VENV)/bin/lexseal demo --gateway $${GATEWAY:-http://127.0.0.1:8000} --out $${OUT:-out/demo}

test: system-deps-test install check unit-tests

check: lint typecheck boundaries js-lint

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Biome (pinned in package.json + package-lock.json, config biome.jsonc) lints and format-checks
# the web client and the signing pages' scripts/styles; `node_modules/.bin/biome check --write` fixes.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "need node + npm (bash deploy/system-deps.sh --test)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

js-lint: $(NODE_STAMP)
	node_modules/.bin/biome check --error-on-warnings

typecheck: install
	$(VENV)/bin/mypy $(SRC_DIRS)

# tools/check_imports.py also covers tests/ and bench/; lint-imports the layer contracts in pyproject.toml
boundaries: install
	$(PY) tools/check_imports.py
	$(VENV)/bin/lint-imports --no-cache

# Each service's tests run in their own process: each owns its tables and settings. The gateway's
# check of the AsyncAPI documents runs the official parser (@asyncapi/parser, from npm ci).
unit-tests: install $(NODE_STAMP)
	@set -e; for dir in libs/events libs/cnid libs/pades libs/ca libs/servicekit services/contract services/review \
	    services/signing services/letters services/notify gateway clients/python; do \
	  if [ -d $$dir/tests ]; then echo "== $$dir"; $(PYTEST) $$dir/tests -q; fi; done
	@# The browser tests in their own process: Playwright's sync API keeps an event loop running
	@# in the main thread for the whole session, and later tests need asyncio.run().
	@# The chaos run (make chaos: the cluster, 30+ lifecycles, six replicas killed -9 and a
	@# broker node stopped) in its own process too: it starts its own brokers and replicas.
	@# ~3 min on the busy 2 cores (docs/SCALING.md says where the time goes).
	@echo "== tests (cross-service, end to end)"; $(PYTEST) tests -q --ignore=tests/e2e --ignore=tests/chaos
	@echo "== tests/e2e (whole system, browser)"; $(PYTEST) tests/e2e -q
	@echo "== tests/chaos (the cluster under faults)"; $(PYTEST) tests/chaos -q

# The whole system under load while the broker is cut off and processes are killed; prints one
# JSON line last ({"requests_ok":..,"lost":0,"duplicated":0,"stuck":0,...}), fails unless clean.
fault-suite: system-deps install
	$(PY) tests/fault/fault_suite.py

# Break the rule modules on purpose and print the mutants no test caught (bounded: MUTATION_BUDGET s).
mutation: install
	$(PY) tools/mutation.py

bench: bench-gateway bench-outbox bench-signing

bench-deps: system-deps install
	@bash deploy/system-deps.sh --bench
	@bash deploy/ensure-rabbitmq.sh

bench-gateway: bench-deps
	$(PY) gateway/bench/bench_proxy.py

bench-outbox: bench-deps
	$(PY) bench/bench_outbox.py

# the traced path (gateway → service → outbox → relay → consumer) with OpenTelemetry off, then
# on (exporting to a no-op OTLP sink); one JSON line last with on/off throughput as "ratio"
bench-tracing: bench-deps
	$(PY) bench/bench_tracing.py $(ARGS)

# lifecycles on the cluster while replicas are killed and a broker node stops; JSON line last
chaos: system-deps install
	@bash deploy/system-deps.sh --cluster
	$(PY) tests/chaos/chaos.py

# K concurrent full lifecycles through the gateway; ARGS="--cluster" for make cluster's shape
bench-lifecycle: bench-deps
	@bash deploy/system-deps.sh --cluster
	$(PY) bench/bench_lifecycle.py $(ARGS)

bench-signing: bench-deps
	$(PY) services/signing/bench/bench_signing.py
	$(PY) services/signing/bench/bench_service_signing.py

clean:
	rm -rf var out .pytest_cache .mypy_cache .ruff_cache node_modules
