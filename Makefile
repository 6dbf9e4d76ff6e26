# FlowAI Premium: `make run` and `make test` do all the set-up on a fresh machine.
# Feature areas add their own install steps in mk/<area>.mk (BOOTSTRAP, DEBIAN_PACKAGES).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .stamps
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

DEBIAN_PACKAGES := chromium fonts-dejavu-core
BOOTSTRAP := $(STAMPS)/python $(STAMPS)/web $(STAMPS)/debian
PIP_REQUIREMENTS := requirements/base.txt requirements/dev.txt
PIP_NODEPS :=

include $(sort $(wildcard mk/*.mk))

WEB_SOURCES := $(shell find web -path web/node_modules -prune -o -type f -print 2>/dev/null)

.PHONY: deps run test lint bench web clean

deps: $(BOOTSTRAP)

$(STAMPS)/venv:
	@mkdir -p $(STAMPS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	@touch $@

$(STAMPS)/python: $(STAMPS)/venv $(STAMPS)/debian $(PIP_REQUIREMENTS) $(PIP_NODEPS) pyproject.toml
	$(BIN)/pip install -q $(addprefix -r ,$(PIP_REQUIREMENTS))
	$(if $(PIP_NODEPS),$(BIN)/pip install -q --no-deps $(addprefix -r ,$(PIP_NODEPS)))
	$(BIN)/pip install -q --no-deps -e .
	@touch $@

$(STAMPS)/web: $(WEB_SOURCES)
	@mkdir -p $(STAMPS)
	cd web && npm ci --no-audit --no-fund && npm run build
	@touch $@

web: $(STAMPS)/web

# Debian packages the tests need (Chromium for browser tests, voices, ...). Only as root;
# otherwise the browser tests say they were skipped.
$(STAMPS)/debian: Makefile $(wildcard mk/*.mk)
	@mkdir -p $(STAMPS)
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "not root: cannot install $$missing (tests needing them will be skipped)"; fi; \
	fi
	@touch $@

run: deps
	$(BIN)/flowai serve --host $(HOST) --port $(PORT)

test: deps
	cd web && npm test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: deps
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src

bench: deps
	@for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(STAMPS) $(VENV) web/node_modules src/flowai/static .pytest_cache .mypy_cache
