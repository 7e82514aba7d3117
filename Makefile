# UPR Tracker. `make run` to try it, `make test` to test it. See README.md.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench lint check messages worker beat clean

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
	@echo "  researcher   researcher (API token on the profile page)"
	@echo "(another port: make run PORT=8001)"
	@echo
	$(PY) manage.py runserver $(HOST):$(PORT)

# Installs what the tests need (Python packages; Chromium when run as root on
# Debian) and runs the whole suite, on PostgreSQL when DATABASE_URL points at one.
test: $(VENV)/.installed-test
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "Chromium not installed: browser tests will skip (fail with REQUIRE_SERVICES=1)."; }
	$(PY) manage.py compilemessages --ignore=.venv -v0
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-test
	$(PY) -m bench.run $(BENCH_ARGS)

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l fr -l es --ignore=.venv --ignore=tests
	$(PY) manage.py compilemessages --ignore=.venv

worker: $(VENV)/.installed
	$(VENV)/bin/celery -A upr_tracker worker -l info

beat: $(VENV)/.installed
	$(VENV)/bin/celery -A upr_tracker beat -l info

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
