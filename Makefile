# Two commands on a fresh machine with python3 (3.11+) and make:
#   make run    install, migrate, load the seed once, print the admin password, serve
#   make test   install, lint, run every test
#   make serve  the production stack: gunicorn + WhiteNoise, a Celery worker, Celery beat
#   make messages  collect the strings marked for translation into locale/*/django.po
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# The German and French catalogues, compiled for Django (msgfmt, from GNU gettext).
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))
MAKEMESSAGES_IGNORE := --ignore='.venv/*' --ignore='var/*' --ignore='tests/*' \
	--ignore='bench/*' --ignore='static/*'

.PHONY: install run serve test demo bench lint format clean messages

install: $(INSTALLED) $(CATALOGUES)

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed ($(PYTHON) is older)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(INSTALLED)

%.mo: %.po
	@command -v msgfmt >/dev/null || { echo "msgfmt is needed: install gettext."; exit 1; }
	msgfmt --check-format -o $@ $<

messages: $(INSTALLED)
	$(PY) manage.py makemessages -l de -l fr --add-location=file $(MAKEMESSAGES_IGNORE)

run: install
	bin/serve

serve: install
	bin/serve-production

demo: install
	PROCUREMENT_VAR_DIR=$(CURDIR)/var/demo bin/serve --demo

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy --follow-imports=silent quotes/pricing/engine quotes/pricing/results.py \
		quotes/pricing/presenter.py procurement/formats.py

test: lint
	$(PY) -m pytest

bench: install
	$(PY) -m bench

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache .hypothesis test-artifacts
