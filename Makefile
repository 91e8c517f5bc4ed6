# Communes+ — two commands: `make run` and `make test` (see README).
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.8
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test install lint typecheck messages bench-clean screenshots

$(UV):
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet uv==$(UV_VERSION)

install: $(UV)
	$(UV) sync --frozen --quiet

# Absolute links (e-mails, also those the demo data sends while it loads) name the port served on.
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo_data
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py serve --port $(PORT)

test: install lint typecheck
	$(PY) -m pytest $(PYTEST_ARGS)

# lint-imports: the import contracts in pyproject.toml ([tool.importlinter]; docs/architecture.md).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

typecheck: install
	$(VENV)/bin/mypy hub frontend workers forums sessions_live publications notifications commitments council consultations practices evaluation

messages: install
	for app in hub publications frontend notifications forums sessions_live commitments council consultations practices evaluation; do \
	  (cd $$app && mkdir -p locale && ../$(VENV)/bin/django-admin makemessages -l fr -l en --settings=hub.settings --pythonpath=.. \
	   && ../$(VENV)/bin/django-admin compilemessages --settings=hub.settings --pythonpath=..) || exit 1; \
	done

# The screenshots kept in docs/ (the live page on a phone, both consoles on a desk), from the tests
# that check those layouts.
screenshots: install
	SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(VENV)/bin/python -m pytest -q -p no:cacheprovider \
	  tests/test_live_phone_browser.py tests/test_consoles_browser.py
