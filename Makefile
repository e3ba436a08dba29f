# Two commands on a fresh machine: `make run` serves the demo, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium
PDFTOTEXT := /usr/bin/pdftotext
MSGFMT := /usr/bin/msgfmt
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
export DEBUG ?= 1

.PHONY: run test test-unit test-browser bench restore-drill loadtest soak twohost faults lint check-deploy clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

run: $(VENV)/.installed
	$(PY) manage.py collectstatic --no-input --verbosity 0
	$(PY) manage.py migrate --no-input
	$(PY) manage.py demo --if-empty
	@# The packet worker runs beside the web server, started again when it dies
	@# (scripts/supervise; at each start it fails what the dead one left), and
	@# stops with it (a background job of a non-interactive shell ignores
	@# Ctrl-C: the trap stops it).
	scripts/supervise $(PY) manage.py packet_worker & worker=$$!; \
	trap 'kill $$worker' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# The unit suite, then the browser suite (its own pytest session: it keeps the
# demo loaded in its test database for all its tests).
test: test-unit test-browser

# One pytest worker per core (pytest-xdist), each with its own test database;
# a test class stays on one worker, so its setUpTestData runs once.
UNIT_WORKERS ?= auto

test-unit: $(VENV)/.installed $(PDFTOTEXT) $(MSGFMT)
	$(PY) manage.py collectstatic --no-input --verbosity 0
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) scripts/check-translations
	$(PY) -m pytest -n $(UNIT_WORKERS) --dist loadscope $(PYTEST_ARGS)

# The translation check runs makemessages (xgettext) and msgfmt: GNU gettext.
$(MSGFMT):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq gettext >/dev/null

# Debian's Chromium, never a browser downloaded by Playwright.
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null

# Packet tests read the PDFs' text with poppler's pdftotext.
$(PDFTOTEXT):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq poppler-utils >/dev/null

test-browser: $(VENV)/.installed $(CHROMIUM)
	$(PY) manage.py collectstatic --no-input --verbosity 0
	CHROMIUM=$(CHROMIUM) $(PY) -m pytest tests_browser $(PYTEST_ARGS)

# Performance benchmark on a throwaway SQLite file (never db.sqlite3);
# BENCH_ARGS="--cases 2000" etc. (manage.py bench --help).
# DB=postgres: on PostgreSQL, the database at BENCH_DATABASE_URL, else a
# throwaway server started for the run (scripts/with-postgres).
bench: $(VENV)/.installed
ifeq ($(DB),postgres)
ifneq ($(BENCH_DATABASE_URL),)
	$(PY) manage.py bench --database-url "$(BENCH_DATABASE_URL)" $(BENCH_ARGS)
else
	scripts/with-postgres sh -c '$(PY) manage.py bench --database-url "$$POSTGRES_URL" $(BENCH_ARGS)'
endif
else
	@case "$(DB)" in ""|sqlite) ;; *) echo "DB must be sqlite or postgres, not $(DB)" >&2; exit 2;; esac
	$(PY) manage.py bench $(BENCH_ARGS)
endif

# Builds the demo in a throwaway database and media folder, backs it up,
# restores it into new ones and checks it (scripts/restore-drill);
# DB=postgres on a throwaway PostgreSQL 15 (scripts/with-postgres).
restore-drill: $(VENV)/.installed
	$(if $(filter postgres,$(DB)),scripts/with-postgres) scripts/restore-drill $(or $(DB),sqlite)

# Load test through gunicorn with production settings (manage.py loadtest
# --help) over a benchmark dataset kept in build/; DB=postgres on a throwaway
# server. LOADTEST_STRICT=1: exit 1 on missed targets too.
LOADTEST_CASES ?= 10000
LOADTEST_SECONDS ?= 15
LOADTEST_ARGS = --cases $(LOADTEST_CASES) --seconds $(LOADTEST_SECONDS) \
	$(if $(filter 1,$(LOADTEST_STRICT)),--strict)
# Mixed reads and writes with the packet worker, then the checks that nothing
# was lost (manage.py soak --help); PostgreSQL unless DB=sqlite.
SOAK_SECONDS ?= 300
SOAK_CLIENTS ?= 16
SOAK_CASES ?= 2000
SOAK_ARGS = --cases $(SOAK_CASES) --seconds $(SOAK_SECONDS) --clients $(SOAK_CLIENTS)

loadtest: $(VENV)/.installed
ifeq ($(DB),postgres)
	scripts/with-postgres sh -c '$(PY) manage.py loadtest --database-url "$$POSTGRES_URL" $(LOADTEST_ARGS)'
else
	@case "$(DB)" in ""|sqlite) ;; *) echo "DB must be sqlite or postgres, not $(DB)" >&2; exit 2;; esac
	$(PY) manage.py loadtest $(LOADTEST_ARGS)
endif

soak: $(VENV)/.installed
ifeq ($(DB),sqlite)
	$(PY) manage.py soak $(SOAK_ARGS)
else
	@case "$(DB)" in ""|postgres) ;; *) echo "DB must be sqlite or postgres, not $(DB)" >&2; exit 2;; esac
	scripts/with-postgres sh -c '$(PY) manage.py soak --database-url "$$POSTGRES_URL" $(SOAK_ARGS)'
endif

# Faults injected into a throwaway deployment (gunicorn, the packet worker,
# production settings over plain HTTP): PASS, FAIL or SKIPPED per scenario
# (scripts/faults). DB=postgres: on a throwaway PostgreSQL 15, which it also
# restarts. The full-disk scenario mounts a tmpfs: as root only.
faults: $(VENV)/.installed
ifeq ($(DB),postgres)
	scripts/with-postgres $(PY) scripts/faults --postgres $(FAULTS_ARGS)
else
	@case "$(DB)" in ""|sqlite) ;; *) echo "DB must be sqlite or postgres, not $(DB)" >&2; exit 2;; esac
	$(PY) scripts/faults $(FAULTS_ARGS)
endif

# Two web hosts and a packet worker sharing only a throwaway PostgreSQL and an
# S3 bucket (moto), each in a folder of its own, and the checks that they work
# as one (manage.py twohost --help).
twohost: $(VENV)/.installed
	scripts/with-postgres sh -c '$(PY) manage.py twohost --database-url "$$POSTGRES_URL"'

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Django's deployment checks with production settings; fails on any warning.
check-deploy: $(VENV)/.installed
	DEBUG= SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))') \
	AUDIT_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))') \
	FIELD_ENCRYPTION_KEYS=$$($(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())') \
	ALLOWED_HOSTS=ofr.example.org STATIC_ROOT=$$(mktemp -d) sh -c '\
	  $(PY) manage.py check --deploy --fail-level WARNING && \
	  $(PY) manage.py collectstatic --no-input --verbosity 0 && echo "collectstatic (manifest) OK"' 

clean:
	rm -rf $(VENV) staticfiles build .test-db.*
