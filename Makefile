# Aftercare: two commands on a fresh machine — `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000
# demo mode (the login page lists the demo accounts) on the local demo database, not on PostgreSQL
DEMO   ?= $(if $(AFTERCARE_DATABASE_URL),false,true)

.PHONY: run test install frontend system db lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: system $(STAMP) frontend

# the PDF documents are drawn by WeasyPrint (Pango) in the Noto CJK fonts; apt installs them when missing
system:
	@if ! ldconfig -p 2>/dev/null | grep -q libpango-1.0 || ! fc-list 2>/dev/null | grep -qi "CJK"; then \
		if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk >/dev/null; \
		else echo "install libpango-1.0-0, libpangoft2-1.0-0 and fonts-noto-cjk for the PDF documents"; fi; \
	fi

frontend: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

db: install
	@if [ ! -f instance/aftercare.db ] && [ -z "$$AFTERCARE_DATABASE_URL" ]; then \
		$(BIN)/aftercare init --demo; \
	else \
		$(BIN)/aftercare init; \
	fi

run: db
	AFTERCARE_DEMO=$${AFTERCARE_DEMO:-$(DEMO)} $(BIN)/aftercare serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check engine workflows web tests bench

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) node_modules instance/aftercare.db* .pytest_cache
