# Two entry points for a fresh machine: `make demo` and `make test`, each in its own virtual
# environment (.venv for the demo, .venv-test for the tests), built on first use.
PYTHON ?= python3
# Two xdist workers, a test module per worker (module fixtures load a warehouse once).
PYTEST = .venv-test/bin/pytest -n 2 --dist loadfile --durations=25

.PHONY: demo test test-quick bench clean chromium

demo: .venv/.installed chromium
	.venv/bin/csp-pipeline demo

# Everything: both warehouses (PostgreSQL tests skip, saying why, when it is down and
# CSP_REQUIRE_POSTGRES is not 1), the real prefect server and worker, Chromium, kill -9, national.
test: .venv-test/.installed chromium
	$(PYTEST)

# The core on DuckDB in under two minutes: no PostgreSQL, no system tests.
test-quick: .venv-test/.installed
	$(PYTEST) -m "not postgres and not slow"

# Debian's Chromium prints the evidence pack's PDFs and runs its browser test (through Playwright; no browser download).
chromium:
	@command -v chromium >/dev/null || \
		{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

bench: .venv/.installed
	.venv/bin/python bench/police_uk.py
	.venv/bin/python bench/stages.py
	.venv/bin/python bench/gx_engines.py
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
