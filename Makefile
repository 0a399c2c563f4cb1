# Set-up is part of each target: a fresh machine with Python 3.11 needs nothing else.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
# The venv is marked installed for one pyproject.toml by its checksum, not by file ages: a
# fresh checkout is always newer than a venv restored from a CI cache, which is still good.
INSTALLED := $(VENV)/.installed-$(word 1,$(shell cksum pyproject.toml))

.PHONY: install validate test hooks constraints clean

$(INSTALLED):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(INSTALLED)  ## set up .venv with infometis and the test tools

validate: $(INSTALLED)  ## run the main job: validate this repository's clusters
	$(BIN)/infometis validate

test: $(INSTALLED)  ## run the test suite
	$(BIN)/python -m pytest -q

hooks: $(INSTALLED)  ## run this repository's pre-commit hooks on every file
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pre-commit run --all-files

constraints: $(INSTALLED)  ## pin the runtime dependencies the action installs (constraints.txt)
	$(BIN)/python .github/scripts/constraints.py > constraints.txt

clean:
	rm -rf $(VENV)
