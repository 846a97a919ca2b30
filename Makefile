# Newsroom: `make run` serves the app, `make test` runs every test. Both set up what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Only this machine can reach the development server (it has known demo passwords); set
# HOST=0.0.0.0 to open it to the network on purpose.
HOST ?= 127.0.0.1
export PORT

.PHONY: run test install install-dev browser lint format worker migrate demo clean-db \
	train-attribution

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Debian's chromium for the Playwright tests (Playwright cannot download browsers here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# axe-core for the browser tests' accessibility check (pinned in package-lock.json; the app
# itself uses no npm package and no CDN).
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
		echo "Installing Debian's npm for the test tools"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; }
	npm ci --no-audit --no-fund --silent
	touch $@

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py setup_demo

# The worker alone, restarted whenever it exits (Ctrl-C stops both).
worker: migrate
	$(BIN)/python manage.py extract --supervise

run: demo
	@echo ""
	@echo "  Newsroom is starting on http://$(HOST):$(PORT)/"
	@echo "  Demo accounts (development only): admin, editor, reviewer"
	@echo "  Password: $${NEWSROOM_DEMO_PASSWORD:-newsroom}"
	@echo "  The extraction worker runs beside the web server, and is restarted if it stops."
	@echo ""
	@$(BIN)/python manage.py extract --supervise & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/gunicorn newsroom.wsgi --bind $(HOST):$(PORT) --workers 2 --threads 4 \
		--access-logfile - --graceful-timeout 10

test: install-dev browser node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Retrain articles/nlp/data/attribution.json from every PolNeAR article (about 4 minutes).
# Choices of features and settings go by cross-validation (python -m articles.nlp.eval.crossval).
POLNEAR_TRAIN ?= ../shared/eval/polnear-train.jsonl ../shared/eval/polnear-dev.jsonl
$(VENV)/.installed-train: requirements-train.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-train.txt
	touch $@

train-attribution: $(VENV)/.installed-train
	$(BIN)/python -m articles.nlp.eval.train_attribution $(POLNEAR_TRAIN)

# Stop the embedded PostgreSQL of this checkout (its data stays in $NEWSROOM_DATA_DIR).
clean-db: install
	$(BIN)/python -c "from pathlib import Path; import os; \
		from newsroom.embedded_db import stop_embedded_database as s; \
		print('stopped' if s(Path(os.environ.get('NEWSROOM_DATA_DIR', 'var')).resolve()) else 'not running')"
