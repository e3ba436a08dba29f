# Two commands on a fresh machine: `make run` serves the demo, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DEBUG ?= 1

.PHONY: run test lint check-deploy clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

run: $(VENV)/.installed
	$(PY) manage.py collectstatic --no-input --verbosity 0
	$(PY) manage.py migrate --no-input
	$(PY) manage.py demo --if-empty
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed
	$(PY) manage.py collectstatic --no-input --verbosity 0
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Django's deployment checks with production settings; fails on any warning.
check-deploy: $(VENV)/.installed
	DEBUG= SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))') \
	ALLOWED_HOSTS=ofr.example.org STATIC_ROOT=$$(mktemp -d) sh -c '\
	  $(PY) manage.py check --deploy --fail-level WARNING && \
	  $(PY) manage.py collectstatic --no-input --verbosity 0 && echo "collectstatic (manifest) OK"' 

clean:
	rm -rf $(VENV) staticfiles .test-db.*
