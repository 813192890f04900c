# fleet.docker: every target sets up what it needs; run as root on Debian 12.
SHELL := /bin/bash
ROOT := $(abspath .)
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
HOSTS ?= 3
ENGINES ?= 20,26,28
export ANSIBLE_CONFIG := $(ROOT)/ansible.cfg
export PATH := $(VENV)/bin:$(PATH)

.PHONY: help install engine engines test test-unit test-integration sanity lint demo build lab lab-down lab-status bench clean docs matrix swarm test-lab test-swarm

help:
	@echo "make demo | make test | make install | make engine | make sanity | make lint | make build"
	@echo "make swarm (a swarm and a stack on the lab) | make test-lab (the long multi-node swarm tests, ~15 min)"
	@echo "make test-swarm (the swarm tests on the sid 28.5 dockerd, every conformance file, ~8 min)"

$(VENV)/.installed: requirements-dev.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements-dev.txt
	touch $@

# The collection is linked (not copied) so playbooks and tests run the working tree.
install: $(VENV)/.installed
	mkdir -p .cache/collections/ansible_collections/fleet
	ln -sfn ../../../.. .cache/collections/ansible_collections/fleet/docker

engine: install
	bash scripts/engine-up.sh

test-unit: install
	$(PY) -m pytest -q tests/unit

# The newer engines (26.1, 28.5) beside the host's 20.10: scripts/engines.sh, README "Engines".
engines: engine
	bash scripts/engines.sh up

# Which engines the tests run on: `make test ENGINES=all`, or a list (20.10,28.5 or 20,26,28);
# without ENGINES, the default selection of tests/conftest.py (README "Engines"). ENGINES is not
# passed on to the tests' own make calls (make lab reads ENGINES its own way).
TEST_ENGINES = $(if $(filter command line environment,$(origin ENGINES)),$(ENGINES),default)
# Workers for make test: the engine-facing tests mostly wait on the engines, so more workers than
# cores pays; the lab's tests and the whole-engine figures run afterwards, alone (tests/conftest.py).
TEST_WORKERS ?= 4
PYTEST_ENV = env -u ENGINES -u MAKEFLAGS -u MFLAGS FLEET_ENGINES=$(TEST_ENGINES)

test-integration: engines
	$(PYTEST_ENV) $(PY) -m pytest -q tests/integration

sanity: install
	bash scripts/sanity.sh

lint: install
	bash scripts/lint.sh

build: install
	rm -rf .cache/build && mkdir -p .cache/build
	$(VENV)/bin/ansible-galaxy collection build --output-path .cache/build --force .

# Everything, in CI order: static gates first, then the real engine.
test: install engine engines
	bash scripts/sanity.sh
	bash scripts/lint.sh
	rc=0; $(PYTEST_ENV) $(PY) -m pytest -q -p no:cacheprovider --durations=25 -n $(TEST_WORKERS) -m "not serial and not lab_long" tests || rc=$$?; \
	  $(PYTEST_ENV) $(PY) -m pytest -q -p no:cacheprovider --durations=15 -m "serial and not lab_long" tests || rc=$$?; exit $$rc

# The lab fleet, provisioned, running the reference deployment; every host asked on every
# port; the fleet report written (reports/fleet-report.{md,html}).
demo: lab
	$(VENV)/bin/ansible-playbook -i $(ROOT)/.lab/inventory.yml playbooks/demo.yml

# The swarm on the lab (docs/swarm.md): the fleet.docker.swarm role forms the cluster (SWARM_MANAGERS=3 for
# three managers), fleet.docker.stack deploys playbooks/files/swarm-stack.yml.j2, every node is asked for its
# page, and the fleet report lists the nodes, services and replicas.
SWARM_MANAGERS ?= 1
swarm: lab
	$(VENV)/bin/ansible-playbook -i $(ROOT)/.lab/inventory.yml playbooks/swarm.yml -e swarm_lab_managers=$(SWARM_MANAGERS)

# The long multi-node lab tests (marker lab_long: 3 managers, overlays, faults; about 10 min) and the swarm
# molecule scenario; make test runs only tests/integration/test_lab_swarm.py of them (docs/swarm.md).
test-lab: lab
	$(PYTEST_ENV) $(PY) -m pytest -q -p no:cacheprovider -m lab_long tests/integration
	PATH=$(VENV)/bin:$$PATH $(VENV)/bin/molecule test -s swarm

# make test runs the swarm tests on a private 20.10 dockerd with the quick conformance set; this runs
# them on the sid 28.5 dockerd with every conformance file (docs/swarm.md).
test-swarm: engines
	FLEET_SWARM_DOCKERD=28.5 FLEET_STACK_CONFORMANCE=all $(PYTEST_ENV) $(PY) -m pytest -q -p no:cacheprovider \
	  -n 2 tests/integration/test_swarm*.py tests/integration/test_inventory_swarm_nodes.py

clean:
	rm -rf .cache/build .cache/sanity .pytest_cache

# The lab fleet (docs/lab.md): HOSTS hosts over SSH, each with its own engine; ENGINES cycles
# Docker 20.10 (bookworm), 26.1 (trixie) and 28.5 (sid) over the hosts.
lab: install engine
	ENGINES=$(ENGINES) bash scripts/lab.sh up $(HOSTS)

lab-down:
	bash scripts/lab.sh down

lab-status:
	bash scripts/lab.sh status

# Benchmarks (issue #9, benchmarks/README.md): about 20 min, not part of `make test`.
bench: install engine
	bash scripts/bench-setup.sh
	$(ROOT)/.venv-bench/bin/python benchmarks/bench.py
	[ "$${BENCH_COMPOSE:-1}" = 0 ] || $(ROOT)/.venv/bin/python benchmarks/compose_bench.py

# The docs site (docs/site, scripts/docs.sh): antsibull-docs + Sphinx -> .cache/docs/html.
docs: install
	bash scripts/docs.sh

# The version matrix (docs/matrix.md): about 6 min (15 with fresh venvs), not part of `make test`.
# MATRIX_CELLS=c01,c12 runs some cells; MATRIX_SANITY=1 adds ansible-test sanity on the newest core.
matrix: engines
	bash scripts/matrix.sh
