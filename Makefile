# Set-up and everyday commands. `make run` starts the product; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint clean

$(BIN)/idp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/idp

run: $(BIN)/idp
	$(BIN)/idp db upgrade
	$(BIN)/idp demo
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python scripts/dev.py

test: $(BIN)/idp
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(BIN)/idp
	$(BIN)/ruff check idp tests

clean:
	rm -rf $(VENV) instance .pytest_cache
