# The two set-up commands of the README: `make run` and `make test`. Both build .venv on first use,
# installing the versions pinned in constraints.txt (the ones the suite last passed with).
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

$(BIN)/.installed: setup.cfg pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

# The message catalogues, compiled whenever a .po changed (the .mo files are build output, not committed).
CATALOGUES := $(wildcard portal/translations/*/LC_MESSAGES/messages.po)
$(CATALOGUES:.po=.mo): %.mo: %.po $(BIN)/.installed
	$(BIN)/pybabel compile -i $< -o $@

.PHONY: install run test test-quick constraints
install: $(BIN)/.installed $(CATALOGUES:.po=.mo)

run: install
	$(BIN)/oms up --demo

# The suite on xdist workers, then the fault suite alone: it stops and restarts RabbitMQ and PostgreSQL.
test: install
	$(BIN)/pytest -m "not faults"
	$(BIN)/pytest -m faults -n 0

# Everything but the multi-process end-to-end runs and the fault suite: for the edit-test loop.
test-quick: install
	$(BIN)/pytest -m "not slow and not faults"

# Re-pin constraints.txt to what is installed now (run the full suite first).
constraints: $(BIN)/.installed
	{ sed -n '1,2p' constraints.txt; $(BIN)/python -m pip freeze --exclude-editable; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
