# Two entry points for a fresh machine: `make demo` and `make test`, each in its own virtual
# environment (.venv for the demo, .venv-test for the tests), built on first use.
PYTHON ?= python3

.PHONY: demo test bench clean

demo: .venv/.installed
	.venv/bin/csp-pipeline demo

test: .venv-test/.installed
	.venv-test/bin/pytest

bench: .venv/.installed
	.venv/bin/python bench/police_uk.py
	.venv/bin/python bench/recorded_crime.py

.venv/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv .venv
	.venv/bin/pip install --quiet --upgrade pip
	.venv/bin/pip install --quiet -c constraints.txt -e .
	touch $@

.venv-test/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv .venv-test
	.venv-test/bin/pip install --quiet --upgrade pip
	.venv-test/bin/pip install --quiet -c constraints.txt -e ".[test]"
	touch $@

clean:
	rm -rf .venv .venv-test var bench/out
