# Two commands matter: `make run` (demo on http://127.0.0.1:5000) and `make test`.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := app.wsgi
DEMO := DEMO_MODE=1

.PHONY: run test test-pg venv catalogue system-deps lint format clean audit api-fuzz

$(BIN)/.installed: requirements.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

venv: $(BIN)/.installed

# The compiled catalogue is built, not committed.
translations/vi/LC_MESSAGES/messages.mo: translations/vi/LC_MESSAGES/messages.po $(BIN)/.installed
	$(BIN)/pybabel compile --statistics -d translations -l vi

catalogue: translations/vi/LC_MESSAGES/messages.mo

run: venv catalogue
	$(DEMO) $(BIN)/flask db upgrade
	$(DEMO) $(BIN)/flask sync-roles
	$(DEMO) $(BIN)/flask demo-data --if-empty
	$(DEMO) $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# Browser and PDF tools the tests use, from Debian, when missing.
system-deps:
	@if ! command -v chromium >/dev/null || ! command -v pdftotext >/dev/null; then \
		echo "Installing chromium and poppler-utils..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; \
	fi

test: venv catalogue system-deps
	$(BIN)/pytest

# The same suite against PostgreSQL (a database created and dropped by the tests).
test-pg: venv catalogue system-deps
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres} $(BIN)/pytest

# Security audit: known vulnerabilities in the pinned requirements (pip-audit, see
# tools/dep_audit.py for how it reaches advisories here) and high-severity bandit findings.
$(BIN)/.installed-dev: requirements-dev.txt $(BIN)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

audit: $(BIN)/.installed-dev
	$(BIN)/bandit -q -r app --severity-level high && echo "bandit: no high-severity finding in app/"
	$(BIN)/python tools/dep_audit.py requirements.txt

# Schemathesis against the running app (tools/api_fuzz.py): every operation of /api/v1/_openapi
# as a unit leader, the organiser and the administrator, each on a fresh copy of the demo
# database behind gunicorn; fails on any server error or answer against the spec. About 4 min.
API_FUZZ_DB ?= sqlite
api-fuzz: $(BIN)/.installed-dev catalogue
	$(BIN)/python tools/api_fuzz.py --db $(API_FUZZ_DB)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) instance .pytest_cache
