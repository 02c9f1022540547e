# Between: `make run` for the demo, `make test` for the suite.
# With DATABASE_URL unset both use a private PostgreSQL under ./var/pg.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB_URL = $${DATABASE_URL:-$$($(BIN)/python -m clinic.devdb url)}
DEV_ENV = DEBUG=$${DEBUG:-true} MFA_REQUIRED=$${MFA_REQUIRED:-false}
TEST_ENV = SECRET_KEY=$${SECRET_KEY:-test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz} SECURE_SSL_REDIRECT=false \
	AUDIT_HMAC_KEY=$${AUDIT_HMAC_KEY:-test-only-audit-chain-key-0123456789abcdef} \
	SIGNATURE_HMAC_KEY=$${SIGNATURE_HMAC_KEY:-test-only-signature-key-0123456789abcdef}

.PHONY: run test e2e lint venv worker beat bench-scan bench-import bench-ingest bench-web eval-detectors mutants mutation-score clean stop-db

venv: $(STAMP)

# Between runs on Python 3.11 only (requires-python): the venv is made with
# $(PYTHON) or not at all, never with whichever python3 happens to be first.
IS_PY311 = -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'

$(STAMP): requirements.lock requirements-dev.lock
	@if [ ! -x $(BIN)/python ]; then \
	    $(PYTHON) $(IS_PY311) 2>/dev/null || { \
	        echo "Between needs Python 3.11, and '$(PYTHON)' is missing or another" \
	            "version: install Python 3.11 or name it, make PYTHON=/path/to/python3.11" >&2; \
	        exit 1; }; \
	    $(PYTHON) -m venv $(VENV); \
	fi
	@$(BIN)/python $(IS_PY311) || { \
	    echo "$(VENV) was made with another Python than 3.11:" \
	        "remove $(VENV) and run make again" >&2; \
	    exit 1; }
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.lock
	touch $(STAMP)

run: venv
	@export DATABASE_URL="$(DB_URL)" $(DEV_ENV); \
	$(BIN)/python manage.py migrate --no-input && \
	$(BIN)/python manage.py seed_demo && \
	echo "" && \
	echo "Between runs on http://127.0.0.1:8000 (Ctrl-C stops it)" && \
	echo "Demo logins, password $${DEMO_PASSWORD:-between-demo-2026}:" && \
	echo "  therapist@demo.test   therapist, supervised" && \
	echo "  trainee@demo.test     trainee therapist, notes need co-signature" && \
	echo "  therapist2@demo.test  therapist, no supervisor" && \
	echo "  supervisor@demo.test  supervisor of therapist and trainee; the clinical lead (detector thresholds)" && \
	echo "  admin@demo.test       clinic admin (configuration, counts only)" && \
	echo "  admin2@demo.test      second clinic admin (approves the first's proposals)" && \
	echo "  cover@demo.test       therapist covering therapist's absence today" && \
	echo "  operator@demo.test    operator: Django admin at /admin/" && \
	echo "Demo API token (integration \"Practice phone system (demo)\"; README, Ingestion API):" && \
	echo "  btw_demo-token-published-in-the-readme" && \
	echo "" && \
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# mypy's Django plugin imports the settings, which need these variables; it
# never connects to the database, so the address needs no server behind it.
TYPECHECK_ENV = DATABASE_URL=postgres://127.0.0.1/between_typecheck $(TEST_ENV)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@export $(TYPECHECK_ENV); $(BIN)/mypy

test: venv lint
	@export DATABASE_URL="$(DB_URL)" $(TEST_ENV); \
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

# The browser journeys and the accessibility sweep alone (also part of
# `make test`): Debian's Chromium (apt-get install chromium), screenshots of
# every step under var/e2e/.
e2e: venv
	@export DATABASE_URL="$(DB_URL)" $(TEST_ENV); \
	$(BIN)/python -m pytest -q -m e2e -s $(PYTEST_ARGS)

worker: venv
	@export DATABASE_URL="$(DB_URL)" $(DEV_ENV); \
	$(BIN)/celery -A clinic worker --loglevel INFO

beat: venv
	@export DATABASE_URL="$(DB_URL)" $(DEV_ENV); \
	$(BIN)/celery -A clinic beat --loglevel INFO

# Benchmarks and the detector evaluation print figures; they are not tests.
bench-scan: venv
	@export DATABASE_URL="$(DB_URL)" $(TEST_ENV); \
	$(BIN)/python manage.py migrate --no-input -v0 && \
	LOG_LEVEL=WARNING $(BIN)/python manage.py bench_scan $(BENCH_ARGS)

bench-ingest: venv
	@export DATABASE_URL="$(DB_URL)" $(TEST_ENV); \
	$(BIN)/python manage.py migrate --no-input -v0 && \
	LOG_LEVEL=WARNING $(BIN)/python manage.py bench_ingest $(BENCH_ARGS)

bench-web: venv
	@export DATABASE_URL="$(DB_URL)" $(TEST_ENV); \
	$(BIN)/python manage.py migrate --no-input -v0 && \
	LOG_LEVEL=WARNING $(BIN)/python manage.py bench_web $(BENCH_ARGS)

bench-import: venv
	@export DATABASE_URL="$(DB_URL)" $(TEST_ENV); \
	$(BIN)/python manage.py migrate --no-input -v0 && \
	LOG_LEVEL=WARNING $(BIN)/python manage.py bench_import $(BENCH_ARGS)

eval-detectors: venv
	@export DATABASE_URL="$(DB_URL)" $(TEST_ENV); \
	$(BIN)/python manage.py migrate --no-input -v0 && \
	LOG_LEVEL=WARNING $(BIN)/python manage.py eval_detectors $(BENCH_ARGS)

# Mutation testing of the critical modules ([tool.mutmut] in pyproject.toml),
# then the score per module against its goal.  Not part of `make test`.
# It keeps a test database of its own (test_between_mutants) between runs.
mutants: venv
	@export DATABASE_URL="$(DB_URL)" $(TEST_ENV); \
	export DATABASE_URL="$${DATABASE_URL%/*}/between_mutants"; \
	rm -rf mutants && \
	$(BIN)/mutmut run --max-children $${MUTANT_CHILDREN:-2}; \
	$(BIN)/python tests/mutation_score.py --survivors

mutation-score: venv
	$(BIN)/python tests/mutation_score.py --survivors

stop-db:
	$(BIN)/python -m clinic.devdb stop

clean: stop-db
	rm -rf var mutants $(VENV)
