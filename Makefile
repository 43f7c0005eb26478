# verdictflow: two commands do everything on a fresh machine.
#   make demo   set up, start the embedded stack and services, run the sample verdicts
#   make test   set up, run every test (the tests start and stop their own stack)
#   make chaos  SIGKILL the running system's parts mid-flight: nothing lost, nothing doubled
#   make cluster  the scale path: Temporal's own server on PostgreSQL, three Kafka brokers
#   make bench  what a case costs beside a bare Temporal workflow (JSON lines)
#   make bench-cluster  the same benchmark on the cluster of make cluster

PYTHON  ?= python3
VENV    ?= .venv
PY      := $(VENV)/bin/python
VF      := $(VENV)/bin/verdictflow
STAMP   := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

export VF_STATE_DIR ?= $(CURDIR)/.state

.PHONY: install jars chromium up down status demo services lint typecheck test unit chaos clean \
	cluster-deps cluster cluster-test bench bench-quick bench-cluster

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,postgres]'
	rm -f $(VENV)/.installed-*
	touch $@

jars: install
	$(VF) stack jars

# The browser tests (tests/browser) drive Debian's Chromium; Playwright's own browser builds
# are never downloaded. Installed here when missing and we are root (CI, a fresh machine);
# otherwise the tests skip and say why.
chromium:
	@if command -v chromium >/dev/null 2>&1 || [ -n "$$VF_CHROMIUM" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
	    || echo "warning: Chromium could not be installed; the browser tests will skip"; \
	else echo "note: no Chromium (apt-get install chromium); the browser tests will skip"; fi

up: install
	$(VF) stack up

services: up
	$(VF) services up

down:
	@if [ -x $(VF) ]; then $(VF) stack down; else echo "nothing to stop (no $(VENV))"; fi

status: install
	$(VF) stack status

demo: services
	$(VF) demo

# ruff, mypy strict over the packages named in pyproject.toml ([tool.mypy] files), and the
# import contracts (.importlinter): an upward import or a cycle fails here.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

typecheck: install
	$(VENV)/bin/mypy

test: jars chromium lint
	$(PY) -m pytest -ra

chaos: jars
	$(PY) -m pytest -ra -m chaos tests/chaos

# The scale path (README: Scale path). Debian's PostgreSQL when missing; Temporal's server
# is built by the machine's Go (>= the go line of infra/cluster/go.mod) from the module
# pinned there, once per version.
cluster-deps:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }

cluster: jars cluster-deps
	$(VF) stack up --cluster
	$(VF) services up --cluster

# Brings a cluster up on ports and state of its own, one verdict through it, down again.
cluster-test: jars cluster-deps
	$(PY) -m pytest -ra -m cluster tests/integration/test_cluster.py

unit: install
	$(PY) -m pytest -ra tests/unit tests/workflows

# What a case costs beside bare Temporal workflows on the same server: one JSON line per
# scenario. Its own stack on ports moved by VF_BENCH_PORT_OFFSET (500). By default the
# issue's scenarios in one run (about 20 min on 2 cores): 500 and 2,000 at once, steady at
# half the 500 backlog's rate, 10,000 open cases. BENCH_ARGS replaces them (--running for
# the VF_* stack); bench-quick is a short run of every scenario (a few minutes).
BENCH_ARGS ?= --n 500,2000 --steady-seconds 60 --open-cases 10000
BENCH_QUICK_ARGS ?= --n 100,200 --steady-seconds 20 --open-cases 400 --page-requests 20
bench: jars
	$(PY) bench/cases.py $(BENCH_ARGS)

bench-quick: jars
	$(PY) bench/cases.py $(BENCH_QUICK_ARGS)

# The same benchmark on the scale path: `make cluster`'s cluster and services (started when
# not running), with its VF_* settings; its lines say "stack": "cluster". Left running:
# `make down` stops it.
bench-cluster: cluster
	$(PY) bench/cases.py --cluster $(BENCH_ARGS)

clean: down
	rm -rf $(VENV) .state
