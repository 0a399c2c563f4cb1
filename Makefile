# Set-up is part of each target: a fresh machine with Python 3.11 needs nothing else.
# The first Python 3.11 or newer on PATH, newest name first (PYTHON=... overrides): pip on an
# older one would backtrack for minutes before failing, so stop at once instead.
ifndef PYTHON
PYTHON := $(shell for p in python3.14 python3.13 python3.12 python3.11 python3 python; do \
  command -v $$p > /dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' > /dev/null 2>&1 \
  && { echo $$p; break; }; done)
endif
ifeq ($(PYTHON),)
$(error infometis needs Python 3.11 or newer and none is on PATH: install one (e.g. apt install python3.11) or name it with PYTHON=/path/to/python)
endif
VENV ?= .venv
BIN := $(VENV)/bin
# The venv is marked installed for one pyproject.toml by its checksum, not by file ages: a
# fresh checkout is always newer than a venv restored from a CI cache, which is still good.
INSTALLED := $(VENV)/.installed-$(word 1,$(shell cksum pyproject.toml))

.PHONY: install validate test hooks constraints clean

$(INSTALLED):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2> /dev/null || \
	  { echo "infometis needs Python 3.11 or newer; PYTHON=$(PYTHON) is not: name another one" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade 'pip>=25.1'
	$(BIN)/python -m pip install --quiet -e '.[test]' --group dev
	# an editable install is not byte-compiled as a wheel is: with PYTHONDONTWRITEBYTECODE set,
	# every run would compile the package again (a fifth of a small repository's run)
	$(BIN)/python -m compileall -q tools/infometis > /dev/null
	rm -f $(VENV)/.installed-*
	touch $@

install: $(INSTALLED)  ## set up .venv with infometis and the test tools

validate: $(INSTALLED)  ## run the main job: validate this repository's clusters
	$(BIN)/infometis validate

test: $(INSTALLED)  ## run the test suite, one worker per core
	$(BIN)/python -m pytest -q -n auto

hooks: $(INSTALLED)  ## run this repository's pre-commit hooks on every file
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/pre-commit run --all-files

constraints: $(INSTALLED)  ## pin the runtime dependencies the action installs (constraints.txt)
	$(BIN)/python .github/scripts/constraints.py > constraints.txt

clean:
	rm -rf $(VENV)
