# make run · make test · make bench · make e2e — each bootstraps .venv from pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test test-sqlite test-postgres lint e2e bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "quiz needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

# Test-only: Anki's backend (AGPL), the oracle the scheduler is checked against; never at run time.
$(VENV)/.anki-oracle: pyproject.toml | $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[anki-oracle]'
	@touch $@

# The OpenID provider the single sign-on test starts (node-oidc-provider, pinned by its lock file).
# Without npm the test is skipped (QUIZ_REQUIRE_BROWSER=1 makes it fail instead).
OIDC := tests/oidc/node_modules/.installed
$(OIDC): tests/oidc/package.json tests/oidc/package-lock.json
	@if command -v npm >/dev/null; then npm ci --prefix tests/oidc --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the single sign-on browser test will be skipped"; fi

# Create or migrate the SQLite database in instance/, load the question bank, serve on 127.0.0.1:$(PORT).
# Over plain HTTP on localhost the cookie cannot be Secure; behind TLS set QUIZ_SESSION_COOKIE_SECURE=1.
run: $(VENV)/.installed
	$(BIN)/quiz init-secret
	$(BIN)/quiz db upgrade
	@if [ -d question_bank ]; then $(BIN)/quiz bank load; fi
	QUIZ_SESSION_COOKIE_SECURE=$${QUIZ_SESSION_COOKIE_SECURE:-0} \
	  $(BIN)/gunicorn -c gunicorn.conf.py --bind 127.0.0.1:$(PORT)

# axe-core, which the browser tests inject into every page (tests/web/test_accessibility.py).
# Without npm the accessibility tests skip (or fail under QUIZ_REQUIRE_BROWSER=1).
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the accessibility tests will skip (apt-get install -y npm)"; fi

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The whole suite on SQLite; and on PostgreSQL too when QUIZ_TEST_DATABASE_URL is set (CI sets it).
test: lint test-sqlite
	@if [ -n "$$QUIZ_TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "PostgreSQL run skipped: set QUIZ_TEST_DATABASE_URL=$(PG_TEST_URL) to run the suite there too"; fi

test-sqlite: $(VENV)/.installed $(VENV)/.anki-oracle $(OIDC) node_modules/.installed
	env -u QUIZ_TEST_DATABASE_URL $(BIN)/pytest

test-postgres: $(VENV)/.installed $(VENV)/.anki-oracle $(OIDC) node_modules/.installed
	QUIZ_TEST_DATABASE_URL=$${QUIZ_TEST_DATABASE_URL:-$(PG_TEST_URL)} $(BIN)/pytest

# Not part of make test: speed is measured here, never asserted in a test.
# SQLite, or the database DATABASE_URL names; scale.py runs on PostgreSQL only. The review
# loop runs last: its line is the one DESIGN.md holds the project to.
bench: $(VENV)/.installed
	$(BIN)/python bench/login_burst.py
	$(BIN)/python bench/burst.py
	@case "$$DATABASE_URL" in postgresql*) $(BIN)/python bench/scale.py;; esac
	$(BIN)/python bench/review_loop.py

e2e: $(VENV)/.installed $(OIDC) node_modules/.installed
	QUIZ_REQUIRE_BROWSER=1 $(BIN)/pytest -m browser

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache
