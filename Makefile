# The verbs a newcomer needs: run, test, lint, e2e, bench.
# Only Python >= 3.12 and make are required; everything else is installed into .venv.

PYTHON_BIN := $(shell for p in python3.12 python3.13 python3.14; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1 \
	&& echo $$p && break; done)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
STACK := $(PY) -m config.devstack

.PHONY: run test lint format install messages clean-data fonts e2e chromium bench loadtest

# PDFs embed this TrueType Chinese font (see core/pdf_fonts.py); installed from Debian when missing.
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc

$(STAMP): requirements.lock requirements-dev.lock
	@if [ -z "$(PYTHON_BIN)" ]; then \
		echo "error: Python 3.12 or newer is needed (looked for python3.12, python3.13, python3.14 on PATH)." >&2; \
		echo "       Install one (e.g. apt-get install python3.12, or pyenv install 3.12) and retry." >&2; \
		exit 1; fi
	@# A venv left half-made by an interrupted run (no pip) is made again.
	@$(PY) -m pip --version >/dev/null 2>&1 || $(PYTHON_BIN) -m venv --clear $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.lock
	@touch $(STAMP)

install: $(STAMP) fonts

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

run: $(STAMP) fonts
	$(STACK) run

test: $(STAMP) fonts
	$(STACK) exec -- $(PY) -m pytest -n 2 --create-db $(PYTEST_ARGS)

# Browser journeys (tests/e2e): Playwright from requirements-e2e.lock drives Debian's Chromium, headless,
# against the app served on loopback with a fresh database. Screenshots land in .data/e2e-screenshots/.
E2E_STAMP := $(VENV)/.installed-e2e
CHROMIUM := /usr/bin/chromium

$(E2E_STAMP): $(STAMP) requirements-e2e.lock
	$(PY) -m pip install --quiet -r requirements-e2e.lock
	@touch $(E2E_STAMP)

chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing chromium"; \
			apt-get install -y -q chromium >/dev/null 2>&1 \
			|| { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null; }; \
		else echo "error: install Debian's chromium (apt-get install chromium) for make e2e" >&2; exit 1; fi; \
	fi

e2e: $(E2E_STAMP) fonts chromium
	$(STACK) exec -- $(PY) -m pytest tests/e2e --e2e -p no:xdist $(PYTEST_ARGS)

# Province-scale benchmarks (bench/): generates the load tenants under .data/pg when missing (minutes), then
# measures every target against a baseline of the same run and writes docs/benchmarks.md.
# Smaller: make bench BENCH_HAZARDS=100000 BENCH_ENTERPRISES=10000 BENCH_SCALING=
# With a streaming standby for the mixed load's reads (its share, its lag p99): make bench BENCH_REPLICA=1
BENCH_ENTERPRISES ?= 100000
BENCH_HAZARDS ?= 1000000
BENCH_SCALING ?= 100000,300000
bench: $(STAMP) fonts
	$(STACK) exec -- $(PY) -m bench --enterprises $(BENCH_ENTERPRISES) --hazards $(BENCH_HAZARDS) \
		--scaling "$(BENCH_SCALING)" $(if $(BENCH_REPLICA),--replica) $(BENCH_ARGS)

# The mixed load of the four user groups alone (the load tenant must exist: make bench makes it).
loadtest: $(STAMP)
	$(STACK) exec -- $(PY) -m bench.loadtest --tenant load-$(BENCH_HAZARDS) --seconds 60

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	SECRET_KEY=lint-only $(VENV)/bin/mypy .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Regenerate translation catalogues after changing user-facing strings (needs GNU gettext).
messages: $(STAMP)
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=.data --ignore=static
	$(PY) manage.py makemessages -d djangojs -l zh_Hans --ignore=.venv --ignore=.data --ignore=static/vendor
	$(PY) manage.py compilemessages --ignore=.venv

clean-data:
	rm -rf .data
