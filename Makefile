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
PYTEST_ARGS ?=
# Two workers: most tests wait on ansible-playbook and the local cloud, so two cores do twice the work. A test
# file runs whole on one worker (its module-scoped fixtures are built once); each worker has its own local cloud.
PYTEST_WORKERS ?= 2

.PHONY: help venv test pytest unit integration sanity lint build-check changelog-lint demo bench clean

help:
	@echo "make demo   - set up, start the local test cloud, run playbooks/demo.yml end to end, stop the cloud"
	@echo "make test   - set up and run every check (pytest, ansible-test sanity, ansible-lint, build+install, changelog lint)"

venv: $(STAMP) $(EMULATORS_STAMP) $(AZURITE_STAMP)
	@command -v memcached >/dev/null || { echo "make: memcached is missing (the Swift emulator's tempauth needs it): install the Debian package memcached, or run .ci/run as root" >&2; exit 1; }

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

$(EMULATORS_STAMP): requirements-emulators.txt
	test -x $(EMULATORS_VENV)/bin/python || $(PYTHON) -m venv $(EMULATORS_VENV)
	$(EMULATORS_VENV)/bin/python -m pip install --quiet -r requirements-emulators.txt
	touch $(EMULATORS_STAMP)

$(AZURITE_STAMP): $(AZURITE_DIR)/package-lock.json
	@command -v npm >/dev/null || { echo "make: Node.js and npm are missing (Azurite, the Azure Blob emulator, needs them): install Node.js 20 (Debian: nodejs npm), or run .ci/run as root" >&2; exit 1; }
	cd $(AZURITE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $(AZURITE_STAMP)

test:
	@# The main venv, the emulators' venv and Azurite install side by side.
	$(MAKE) --no-print-directory -j3 --output-sync=target venv
	$(MAKE) --no-print-directory pytest
	@# The four checks after pytest do not depend on each other: side by side, each one's output kept together.
	$(MAKE) --no-print-directory -j4 --output-sync=target sanity lint build-check changelog-lint
	@echo "make test: every check passed"

pytest: venv
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile tests $(PYTEST_ARGS)

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

bench: venv
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(EMULATORS_VENV) $(AZURITE_DIR)/node_modules collections tests/output .pytest_cache build .demo
