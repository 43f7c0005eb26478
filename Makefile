# verdictflow: two commands do everything on a fresh machine.
#   make demo   set up, start the embedded stack and services, run the sample verdicts
#   make test   set up, run every test (the tests start and stop their own stack)
#   make chaos  SIGKILL the running system's parts mid-flight: nothing lost, nothing doubled
#   make bench  what a case costs beside a bare Temporal workflow (JSON lines)

PYTHON  ?= python3
VENV    ?= .venv
PY      := $(VENV)/bin/python
VF      := $(VENV)/bin/verdictflow
STAMP   := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

export VF_STATE_DIR ?= $(CURDIR)/.state

.PHONY: install jars up down status demo services lint typecheck test unit chaos bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,postgres]'
	rm -f $(VENV)/.installed-*
	touch $@

jars: install
	$(VF) stack jars

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

test: jars lint
	$(PY) -m pytest -ra

chaos: jars
	$(PY) -m pytest -ra -m chaos tests/chaos

unit: install
	$(PY) -m pytest -ra tests/unit tests/workflows

# What a case costs beside bare Temporal workflows on the same server: one JSON line per
# scenario. Its own stack on ports moved by VF_BENCH_PORT_OFFSET (500); BENCH_ARGS for more
# (e.g. BENCH_ARGS="--n 2000 --open-cases 10000", or --running for the VF_* stack).
bench: jars
	$(PY) bench/cases.py $(BENCH_ARGS)

clean: down
	rm -rf $(VENV) .state
