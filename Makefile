# The two set-up commands of the README: `make run` and `make test`. Both build .venv on first use.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

$(BIN)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

.PHONY: install run test
install: $(BIN)/.installed

run: $(BIN)/.installed
	$(BIN)/oms up --demo

test: $(BIN)/.installed
	$(BIN)/pytest
