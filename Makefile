# Two commands on a fresh machine with python3 (3.11+) and make:
#   make run    install, migrate, load the seed once, print the admin password, serve
#   make test   install, lint, run every test
#   make serve  the production stack: gunicorn + WhiteNoise, a Celery worker, Celery beat
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: run serve test demo bench lint format clean

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed ($(PYTHON) is older)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(INSTALLED)

run: $(INSTALLED)
	bin/serve

serve: $(INSTALLED)
	bin/serve-production

demo: $(INSTALLED)
	PROCUREMENT_VAR_DIR=$(CURDIR)/var/demo bin/serve --demo

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy --follow-imports=silent quotes/pricing/engine quotes/pricing/results.py \
		quotes/pricing/presenter.py procurement/formats.py

test: lint
	$(PY) -m pytest

bench: $(INSTALLED)
	$(PY) -m bench

format: $(INSTALLED)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache .hypothesis test-artifacts
