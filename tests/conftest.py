"""Shared fixtures: an isolated Prefect API for the session, and warehouses on DuckDB and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import numpy as np
import pytest

# Prefect reads these at import: keep its state out of ~/.prefect and send nothing anywhere.
_PREFECT_HOME = tempfile.mkdtemp(prefix="csp-prefect-")
os.environ.update(
    PREFECT_HOME=_PREFECT_HOME,
    PREFECT_SERVER_ANALYTICS_ENABLED="false",
    DO_NOT_TRACK="1",
    PREFECT_LOGGING_LEVEL="WARNING",
    PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",
)
os.environ.pop("PREFECT_API_URL", None)
for _name in ("CSP_WORKDIR", "CSP_LAKE_DIR", "CSP_WAREHOUSE_URL"):
    os.environ.pop(_name, None)

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
SAMPLE_ZIP = SAMPLE / "police_uk" / "lancashire-street-2019-12_2020-03.zip"
SAMPLE_REFERENCE = str(SAMPLE / "reference")  # the ONS lookups for Lancashire and the reference config
NATIONAL_LOOKUPS = REPO / "data" / "national" / "ons_lookups.zip"  # see data/national/PROVENANCE.md
CLI = str(Path(sys.executable).parent / "csp-pipeline")  # the venv running the tests
PG_BASE = os.environ.get("CSP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


SLOW_MARKERS = ("server", "browser", "crash", "national", "system")


def postgres_unreachable(base: str = PG_BASE) -> str | None:
    """Why the tests' PostgreSQL cannot be used, or None when it answers."""
    import sqlalchemy as sa

    engine = sa.create_engine(base, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return None
    except sa.exc.OperationalError as exc:
        return str(exc.orig).strip().splitlines()[0]
    finally:
        engine.dispose()


def pytest_collection_modifyitems(config, items):
    """Mark the system tests slow; skip the PostgreSQL ones when it is down (an error if CSP_REQUIRE_POSTGRES=1)."""
    for item in items:
        if any(item.get_closest_marker(name) for name in SLOW_MARKERS):
            item.add_marker(pytest.mark.slow)
    needs_postgres = [item for item in items if item.get_closest_marker("postgres")]
    why = needs_postgres and postgres_unreachable()
    if not why:
        return
    where = PG_BASE.split("@")[-1]
    if os.environ.get("CSP_REQUIRE_POSTGRES") == "1":
        raise pytest.UsageError(f"CSP_REQUIRE_POSTGRES=1 but PostgreSQL at {where} does not answer: {why}")
    skip = pytest.mark.skip(reason=f"PostgreSQL at {where} does not answer ({why}); start it with "
                                   "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` "
                                   "or point CSP_TEST_POSTGRES_URL at one")
    for item in needs_postgres:
        item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    """One line per skip reason, however many tests it skipped."""
    import collections

    reasons = collections.Counter(report.longrepr[2] for report in terminalreporter.stats.get("skipped", [])
                                  if isinstance(report.longrepr, tuple))
    for reason, count in reasons.items():
        terminalreporter.write_line(f"SKIPPED {count} test(s): {reason.removeprefix('Skipped: ')}")


def start_prefect_server(home: Path) -> tuple[subprocess.Popen, str]:
    """`prefect server start` on a free 127.0.0.1 port with its own home and SQLite database: (process, API url)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return server, f"http://127.0.0.1:{port}/api"


def wait_for_prefect(api: str, server: subprocess.Popen | None = None, seconds: float = 180) -> None:
    """Return once the API answers /health; fail the test if it never does (or its process exits)."""
    import time

    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert server is None or server.poll() is None, "prefect server exited"
        time.sleep(0.5)
    pytest.fail(f"the prefect server at {api} did not answer /health in {seconds:.0f} s")


@pytest.fixture(scope="session")
def prefect_api():
    """One temporary Prefect server per test process (a server shared by the xdist workers, tried, made the
    run slower: its one process and SQLite file serialise both workers' flow runs)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def national_lookups(tmp_path_factory) -> Path:
    """The national ONS lookups, unzipped as ONS publishes them: the folder to give `ingest reference`."""
    import zipfile

    folder = tmp_path_factory.mktemp("national-lookups")
    with zipfile.ZipFile(NATIONAL_LOOKUPS) as archive:
        archive.extractall(folder)
    return folder / "ons_lookups"


def run_cli(*args, cwd, **env) -> subprocess.CompletedProcess:
    """Run csp-pipeline in a child process against the session's Prefect API (needs `prefect_api`)."""
    from prefect.settings import PREFECT_API_URL

    full_env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), **env}
    return subprocess.run([CLI, *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=300)


def postgres_schema_url(base: str = PG_BASE) -> tuple[str, str]:
    """A fresh schema in the test database and a URL whose search_path points at it."""
    import sqlalchemy as sa

    schema = f"csp_test_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(base)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f"create schema {schema}"))
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {base} (start it, see README): {exc}")
    finally:
        engine.dispose()
    return f"{base}?options=-csearch_path%3D{schema}", schema


def drop_postgres_schema(schema: str, base: str = PG_BASE) -> None:
    """Remove a test schema, its side schemas (warehouse/schemas.py) and everything in them."""
    import sqlalchemy as sa

    from warehouse.schemas import schemas_of

    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text(f"drop schema if exists {', '.join(schemas_of(schema))} cascade"))
    engine.dispose()


def make_warehouse(backend: str, folder: Path):
    """(url, cleanup) for a new empty warehouse on the backend."""
    if backend == "duckdb":
        return f"duckdb:///{folder / 'warehouse.duckdb'}", lambda: None
    url, schema = postgres_schema_url()
    return url, lambda: drop_postgres_schema(schema)


BACKENDS = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]  # parametrize over the two warehouses


@pytest.fixture(params=BACKENDS)
def warehouse_url(request, tmp_path):
    """An empty warehouse on each backend in turn."""
    url, cleanup = make_warehouse(request.param, tmp_path)
    yield url
    cleanup()


def query(url: str, sql: str, **params) -> list[tuple]:
    """Rows of a query on a warehouse (DuckDB connections are closed at once to free the file)."""
    import sqlalchemy as sa

    from warehouse.engine import open_engine

    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql), params)]
    finally:
        engine.dispose()


def assert_marts_identical(duck_url: str, pg_url: str) -> list[str]:
    """Every mart holds the same rows (floats to 1e-6 relative) on DuckDB and PostgreSQL; returns the marts."""
    marts = [r[0] for r in query(duck_url, "select table_name from information_schema.tables "
                                           "where table_name like 'mart%' order by 1")]
    from warehouse.marts import discover_marts

    grains = {name: m.grain for name, m in discover_marts().items()}
    for mart in marts:
        columns = [r[0] for r in query(duck_url, "select column_name from information_schema.columns "
                                       f"where table_name = '{mart}' and column_name not in ('run_id', 'load_id') order by ordinal_position")]
        sql = f"select {', '.join(columns)} from {mart}"
        # rows in grain order (unique by the build's check), sorted here: the engines collate text differently
        at = [columns.index(c) for c in grains.get(mart, ())] or list(range(len(columns)))
        key = lambda row: tuple(str(row[i]) for i in at)  # noqa: E731
        duck, pg = sorted(query(duck_url, sql), key=key), sorted(query(pg_url, sql), key=key)
        assert len(duck) == len(pg), mart
        # column by column, floats to 1e-6 relative (vectorised: marts hold tens of thousands of rows)
        for i, (a, b) in enumerate(zip(zip(*duck), zip(*pg)) if duck else []):
            if any(isinstance(x, float) for x in a + b):
                x = np.array([np.nan if v is None else float(v) for v in a])
                y = np.array([np.nan if v is None else float(v) for v in b])
                same = np.isclose(x, y, rtol=1e-6, atol=1e-12, equal_nan=True)
            else:
                same = np.array([u == v for u, v in zip(a, b)])
            if not same.all():
                row = int(np.flatnonzero(~same)[0])
                raise AssertionError(f"{mart}.{columns[i]} differs: {duck[row]} against {pg[row]}")
    return marts



def assert_parts_add_up(url: str, mart: str, values: list[str], keys: list[str], parts=("bcu", "authority"),
                        where: str = "true") -> int:
    """At every level in parts, the areas (remainder row included) sum to the county for every key
    and value, summed in pandas from the mart's published rows; returns how many county cells held."""
    import pandas as pd

    frame = pd.DataFrame(query(url, f"select area_level, {', '.join(keys + values)} from {mart} where {where}"),
                         columns=["area_level", *keys, *values])
    whole = frame[frame["area_level"] == "county"].groupby(keys)[values].sum()
    assert len(whole) > 0, f"{mart} has no county rows to add up to"
    for level in parts:
        summed = frame[frame["area_level"] == level].groupby(keys)[values].sum().reindex(whole.index, fill_value=0)
        pd.testing.assert_frame_equal(summed.astype(float), whole.astype(float), obj=f"{mart} {level}s")
    return len(whole)


def wait_for(condition, seconds: float, what: str, every: float = 0.2):
    """Poll until condition() is truthy and return its value; fail naming `what` if it never is."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(every)
    pytest.fail(f"waited {seconds:.0f} s for {what}")
