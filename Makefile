# cloudmesh.libcloud: `make demo` and `make test` work on a fresh machine with Python 3.11 and make.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed
# The test harness's emulators: mimic and Swift in a venv of their own, Azurite (npm) from its lock file.
EMULATORS_VENV := .venv-emulators
EMULATORS_STAMP := $(EMULATORS_VENV)/.installed
AZURITE_DIR := tests/harness/azurite
AZURITE_STAMP := $(AZURITE_DIR)/node_modules/.installed
# The oldest ansible-core the collection supports (requirements-floor.txt) in a venv of its own: `make floor` runs
# FLOOR_TESTS with its ansible-playbook/ansible-inventory, and the modules with its python (LIBCLOUD_TEST_ANSIBLE_VENV).
FLOOR_VENV := .venv-floor
FLOOR_STAMP := $(FLOOR_VENV)/.installed
# The inventory (clouds_file, vault, cache, OpenStack, cloudmesh.yaml) and one test file per module family (nodes,
# buckets, key pairs, volumes, info), ~1 min on 2 workers. Deselected: tests of what ansible-core 2.19 prints, not of the
# collection (--host shows values marked unsafe as {"__ansible_unsafe": ...} before 2.19; ansible-inventory has no
# --flush-cache before 2.19).
FLOOR_TESTS ?= tests/integration/test_ansible_core.py tests/integration/test_inventory.py \
	tests/integration/test_inventory_openstack.py tests/integration/test_cloudmesh_yaml.py \
	tests/integration/test_node_count_and_tags.py tests/integration/test_bucket.py tests/integration/test_key_pairs.py \
	tests/integration/test_volumes.py tests/integration/test_info_modules.py \
	--deselect tests/integration/test_inventory.py::test_host_shows_plain_values \
	--deselect tests/integration/test_inventory_openstack.py::test_host_shows_plain_values \
	--deselect tests/integration/test_inventory.py::test_cache_hit_with_the_server_stopped
PYTEST_ARGS ?=
# Two workers: most tests wait on ansible-playbook and the local cloud, so two cores do twice the work. A test
# file runs whole on one worker (its module-scoped fixtures are built once); each worker has its own local cloud.
PYTEST_WORKERS ?= 2

.PHONY: help venv floor-venv test pytest floor unit integration sanity lint build-check changelog-lint demo bench docs clean

help:
	@echo "make demo   - set up, start the local test cloud, run playbooks/demo.yml end to end, stop the cloud"
	@echo "make test   - set up and run every check (pytest, the floor subset, ansible-test sanity, ansible-lint, build+install, changelog lint)"
	@echo "make floor  - run the integration tests of the inventory and of each module family on the oldest supported ansible-core"
	@echo "make docs   - build the collection's HTML site (antsibull-docs, offline, warnings are errors) in build/docs/html"
	@echo "make bench  - run every benchmark against the peers and write docs/performance.md with its plots (~50 min)"

venv: $(STAMP) $(EMULATORS_STAMP) $(AZURITE_STAMP) $(FLOOR_STAMP)
	@command -v memcached >/dev/null || { echo "make: memcached is missing (the Swift emulator's tempauth needs it): install the Debian package memcached, or run .ci/run as root" >&2; exit 1; }
	@[ -x /usr/sbin/pdns_server ] && [ -f /usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql ] || { echo "make: PowerDNS is missing (the DNS tests run its pdns_server with the sqlite3 backend): install the Debian packages pdns-server and pdns-backend-sqlite3, or run .ci/run as root" >&2; exit 1; }

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

$(EMULATORS_STAMP): requirements-emulators.txt
	test -x $(EMULATORS_VENV)/bin/python || $(PYTHON) -m venv $(EMULATORS_VENV)
	$(EMULATORS_VENV)/bin/python -m pip install --quiet -r requirements-emulators.txt
	touch $(EMULATORS_STAMP)

$(FLOOR_STAMP): requirements-floor.txt
	test -x $(FLOOR_VENV)/bin/python || $(PYTHON) -m venv $(FLOOR_VENV)
	$(FLOOR_VENV)/bin/python -m pip install --quiet -r requirements-floor.txt
	touch $(FLOOR_STAMP)

floor-venv: $(FLOOR_STAMP)

$(AZURITE_STAMP): $(AZURITE_DIR)/package-lock.json
	@command -v npm >/dev/null || { echo "make: Node.js and npm are missing (Azurite, the Azure Blob emulator, needs them): install Node.js 20 (Debian: nodejs npm), or run .ci/run as root" >&2; exit 1; }
	cd $(AZURITE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $(AZURITE_STAMP)

test:
	@# The main venv, the emulators' venv, the floor's venv and Azurite install side by side.
	$(MAKE) --no-print-directory -j4 --output-sync=target venv
	$(MAKE) --no-print-directory pytest
	@# The five checks after pytest do not depend on each other: side by side, each one's output kept together
	@# (ansible-test sanity runs its tests one after another on one core, the floor's pytest fills the other).
	$(MAKE) --no-print-directory -j5 --output-sync=target floor sanity lint build-check changelog-lint
	@echo "make test: every check passed"

pytest: venv
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile tests $(PYTEST_ARGS)

floor: venv
	LIBCLOUD_TEST_ANSIBLE_VENV=$(abspath $(FLOOR_VENV)) $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(FLOOR_TESTS) $(PYTEST_ARGS)

unit: venv
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile tests/unit $(PYTEST_ARGS)

integration: venv
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile tests/integration $(PYTEST_ARGS)

sanity: venv
	PATH=$(BIN):$$PATH bash tools/sanity.sh

lint: venv
	PATH=$(BIN):$$PATH bash tools/lint.sh

build-check: venv
	PATH=$(BIN):$$PATH bash tools/build_check.sh

changelog-lint: venv
	$(BIN)/antsibull-changelog lint

demo: venv
	PATH=$(BIN):$$PATH bash tools/demo.sh

# Every benchmark of bench/ over the report's sizes, then docs/performance.md and its plots (~50 min on 2 cores).
bench: venv
	$(BIN)/python bench/report.py

# Only the main venv: the site needs none of the local clouds.
docs: $(STAMP)
	PATH=$(BIN):$$PATH bash tools/docs.sh

clean:
	rm -rf $(VENV) $(EMULATORS_VENV) $(FLOOR_VENV) $(AZURITE_DIR)/node_modules collections tests/output .pytest_cache build .demo
