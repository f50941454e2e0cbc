# The two set-up commands of the README: `make serve` and `make test`. Both install first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8080
HOST ?= 127.0.0.1
ARGS ?=
# Minutes of `make soak`.
DURATION ?= 10
# The Node SDK tests' npm project (tests/dialects/test_node_sdks.py); its stamp lives inside
# node_modules, so deleting node_modules or changing the lock file reinstalls it.
NODE_DIR := tests/node
NODE_STAMP := $(NODE_DIR)/node_modules/.installed

.PHONY: install serve test test-plain lint typecheck check format validate bench soak clean

install: $(VENV)/.installed $(NODE_STAMP)

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# The official `openai` npm package at the lock file's version. Without npm: a warning, and the
# Node SDK tests skip saying why (the stamp is not written, so the next install tries again).
$(NODE_STAMP): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		echo "npm ci --prefix $(NODE_DIR)"; \
		npm ci --prefix $(NODE_DIR) --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "warning: npm not found: the Node SDK tests (tests/node) will skip"; \
	fi

serve: install
	$(VENV)/bin/mocksrv serve --watch --host $(HOST) --port $(PORT) $(ARGS)

test: install
	$(PY) -m pytest -q

# The same suite with the speed layer (mocksrv/fast/) off: the answers must not change.
test-plain: install
	MOCKSRV_FAST_PATH=0 $(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check mocksrv tests
	$(VENV)/bin/ruff format --check mocksrv tests

# mypy over mocksrv/, configured in pyproject.toml ([tool.mypy]).
typecheck: install
	$(VENV)/bin/mypy

# What CI runs: lint, type check, then the test suite.
check: lint typecheck test test-plain

format: install
	$(VENV)/bin/ruff format mocksrv tests
	$(VENV)/bin/ruff check --fix mocksrv tests

validate: install
	$(VENV)/bin/mocksrv validate fixtures

# Mixed traffic with faults for DURATION minutes on loopback; fails if memory is not flat.
soak: install
	$(PY) scripts/soak.py --minutes $(DURATION)

# mocksrv vs a bare aiohttp server on loopback, pinned cores, about 5 minutes; see docs/benchmark.md.
bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) build dist *.egg-info $(NODE_DIR)/node_modules
