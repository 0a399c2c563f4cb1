# Set-up is part of each target: a fresh machine with Python 3.11 needs nothing else.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install validate test hooks clean

$(BIN)/infometis: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/infometis  ## set up .venv with infometis and the test tools

validate: $(BIN)/infometis  ## run the main job: validate this repository's clusters
	$(BIN)/infometis validate

test: $(BIN)/infometis  ## run the test suite
	$(BIN)/python -m pytest -q

hooks: $(BIN)/infometis  ## run this repository's pre-commit hooks on every file
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pre-commit run --all-files

clean:
	rm -rf $(VENV)
