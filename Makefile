# Set-up and everyday commands. `make run` starts the product; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint translations clean

$(BIN)/idp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/idp

run: $(BIN)/idp
	$(BIN)/idp db upgrade
	$(BIN)/idp demo
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python scripts/dev.py

# npm's oidc-provider: the Pro Santé Connect stand-in of the federation tests (Node.js needed).
tests/upstream/node_modules: tests/upstream/package-lock.json
	npm ci --prefix tests/upstream --no-audit --no-fund --loglevel=error
	touch $@

test: $(BIN)/idp tests/upstream/node_modules
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(BIN)/idp
	$(BIN)/ruff check idp tests clients scripts bench
	$(BIN)/lint-imports

# After changing a marked string: extract it, merge it into the English catalog (translate the
# new or fuzzy entries of idp/translations/en/LC_MESSAGES/messages.po), then compile the .mo.
translations: $(BIN)/idp
	$(BIN)/pybabel extract -F babel.cfg -k _l --project mssante-idp --version 0.1.0 \
		-o idp/translations/messages.pot .
	$(BIN)/pybabel update -i idp/translations/messages.pot -d idp/translations -l en \
		--width 100 --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d idp/translations

clean:
	rm -rf $(VENV) instance .pytest_cache tests/upstream/node_modules
