# UPR Tracker. `make run` to try it, `make test` to test it. See README.md.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-semantic bench load lint check messages untranslated worker worker-imports beat backup restore clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PIP) install -q -e ".[test]"
	touch $@

run: $(VENV)/.installed
	$(PY) manage.py compilemessages --ignore=.venv -v0 2>/dev/null || true
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py load_demo_data
	@echo
	@echo "UPR Tracker is starting at http://$(HOST):$(PORT)/"
	@echo "Log in at http://$(HOST):$(PORT)/accounts/login/ with one of the demo accounts"
	@echo "(password for all of them: demo-password-2026):"
	@echo "  admin        administrator (also /admin/)"
	@echo "  ngo          NGO staff"
	@echo "  ngo-fr       NGO staff (French)"
	@echo "  focal-fra    government focal point for France (French)"
	@echo "  focal-bra    government focal point for Brazil (Spanish)"
	@echo "  contrib-fra  institution contributor for France, DILCRAH (French)"
	@echo "  contrib-bra  institution contributor for Brazil, FUNAI (Spanish)"
	@echo "  researcher   researcher (API token on the profile page)"
	@echo "(another port: make run PORT=8001)"
	@echo
	$(PY) manage.py runserver $(HOST):$(PORT)

# TEST_WORKERS: pytest-xdist processes (auto: one per CPU; 0 runs in this process).
TEST_WORKERS ?= auto

# Installs what the tests need (Python packages; Chromium when run as root on
# Debian) and runs the whole suite, on PostgreSQL when DATABASE_URL points at one.
test: $(VENV)/.installed-test
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "Chromium not installed: browser tests will skip (fail with REQUIRE_SERVICES=1)."; }
	$(PY) manage.py compilemessages --ignore=.venv -v0
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# The similarity tests with the optional sentence model, in a virtualenv of their own
# (PyTorch's CPU build first, so that nothing pulls a CUDA build).
SEMANTIC_VENV ?= .venv-semantic
test-semantic:
	test -x $(SEMANTIC_VENV)/bin/python || $(PYTHON) -m venv $(SEMANTIC_VENV)
	$(SEMANTIC_VENV)/bin/pip install -q torch==2.13.0
	$(SEMANTIC_VENV)/bin/pip install -q -e ".[test,semantic]"
	$(SEMANTIC_VENV)/bin/python -m pytest -m semantic -p no:cacheprovider tests/recommendations/test_similarity.py

bench: $(VENV)/.installed-test
	$(PY) -m bench.run $(BENCH_ARGS)

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l ar -l zh_Hans -l fr -l ru -l es --ignore=.venv --ignore=tests
	$(PY) manage.py compilemessages --ignore=.venv
	$(PY) scripts/untranslated.py || true

untranslated: $(VENV)/.installed
	$(PY) scripts/untranslated.py

# Two workers: the default queue (reminders, similarity), and imports on their own.
worker: $(VENV)/.installed
	$(VENV)/bin/celery -A upr_tracker worker -l info --queues=celery

worker-imports: $(VENV)/.installed
	$(VENV)/bin/celery -A upr_tracker worker -l info --queues=imports --concurrency=1 --hostname=imports@%h

beat: $(VENV)/.installed
	$(VENV)/bin/celery -A upr_tracker beat -l info

# Backups of the PostgreSQL database named by DATABASE_URL, in pg_dump's custom format
# (compressed; pg_restore can restore all or part of it). Uploaded import files under
# MEDIA_ROOT are not in it: copy that folder too if you keep them.
#   make backup [BACKUP=backups/upr-YYYYmmdd-HHMMSS.dump]
#   make restore BACKUP=backups/upr-....dump   (replaces what the database holds)
BACKUP ?= backups/upr-$(shell date -u +%Y%m%d-%H%M%S).dump
backup:
	@test -n "$(DATABASE_URL)" || { echo "Set DATABASE_URL=postgres://user@host:port/db"; exit 2; }
	@mkdir -p $(dir $(BACKUP))
	@# The dump holds password hashes and API tokens: readable by its owner only.
	umask 077 && pg_dump --format=custom --no-owner --no-privileges --file="$(BACKUP)" "$(DATABASE_URL)"
	@chmod 600 "$(BACKUP)"
	@pg_restore --list "$(BACKUP)" >/dev/null && echo "Backup written to $(BACKUP)"

restore:
	@test -n "$(DATABASE_URL)" || { echo "Set DATABASE_URL=postgres://user@host:port/db"; exit 2; }
	@test -f "$(BACKUP)" || { echo "Set BACKUP to a file written by make backup"; exit 2; }
	pg_restore --clean --if-exists --no-owner --no-privileges --exit-on-error \
		--single-transaction --dbname="$(DATABASE_URL)" "$(BACKUP)"
	@echo "Restored $(BACKUP) into the database"

# A bounded load test against gunicorn on loopback (see bench/load.py and README).
load: $(VENV)/.installed-test
	$(PY) -m bench.load $(LOAD_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
