# Two entry points for a fresh machine: `make demo` and `make test`, each in its own virtual
# environment (.venv for the demo, .venv-test for the tests), built on first use.
PYTHON ?= python3

.PHONY: demo test bench clean chromium

demo: .venv/.installed
	.venv/bin/csp-pipeline demo

test: .venv-test/.installed chromium
	.venv-test/bin/pytest

# The evidence pack's browser test drives Debian's Chromium (no browser download from the test run).
chromium:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; }

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
