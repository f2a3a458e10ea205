"""Concurrency: two ingests of overlapping months at once load every row exactly once, and an
analyst reading during a load sees whole months only (PostgreSQL: MVCC, never blocked; DuckDB: one
process holds the file at a time, so writer and reader each wait, retrying, for the other)."""

from __future__ import annotations

import os
import subprocess
import time

import pytest
import sqlalchemy as sa

from tests.conftest import BACKENDS, CLI, SAMPLE_ZIP, make_warehouse
from tests.integration.crash_runs import expected_rows, load_reference
from warehouse.engine import open_engine

pytestmark = [pytest.mark.usefixtures("prefect_api"), pytest.mark.system]


def start_ingest(workdir, url: str, months: str) -> subprocess.Popen:
    """csp-pipeline ingest police-uk in the background."""
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
    return subprocess.Popen([CLI, "ingest", "police-uk", "--source", str(SAMPLE_ZIP), "--months", months,
                             "--workdir", str(workdir), "--warehouse-url", url],
                            cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(params=BACKENDS)
def warehouse(request, tmp_path):
    """A warehouse with the reference geography loaded: (workdir, url)."""
    url, cleanup = make_warehouse(request.param, tmp_path)
    load_reference(tmp_path, url)
    yield tmp_path, url
    cleanup()


def month_counts(conn) -> dict[str, tuple[int, int]]:
    """Rows and distinct rows per month of fact_street_crime."""
    rows = conn.execute(sa.text(
        "select month, count(*), count(distinct l.source_sha256 || ':' || cast(source_row as text)) "
        "from fact_street_crime join etl_load_log l using (load_id) group by month")).all()
    return {m.strftime("%Y-%m"): (n, distinct) for m, n, distinct in rows}


def test_two_overlapping_ingests_at_once_load_each_row_once(warehouse):
    workdir, url = warehouse
    first, second = start_ingest(workdir, url, "2019-12:2020-01"), start_ingest(workdir, url, "2020-01:2020-02")
    for run in (first, second):
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, err[-3000:]
    engine = open_engine(url)
    with engine.connect() as conn:
        counts = month_counts(conn)
        loads = conn.execute(sa.text("select period, count(*) from etl_load_log where feed = 'police_uk_street' "
                                     "and status = 'loaded' group by period")).all()
    engine.dispose()
    assert counts == {m: (n, n) for m, n in expected_rows("2019-12", "2020-02").items()}
    assert dict(loads) == {"2019-12": 1, "2020-01": 2, "2020-02": 1}  # both runs loaded the overlap


def test_analyst_reads_during_a_load_see_whole_months(warehouse):
    workdir, url = warehouse
    whole = expected_rows("2019-12", "2020-02")
    run = start_ingest(workdir, url, "2019-12:2020-02")
    analyst = open_engine(url, read_only=True)
    seen, slowest = [], 0.0
    while run.poll() is None:
        started = time.monotonic()
        try:
            with analyst.connect() as conn:
                seen.append(month_counts(conn))
        except sa.exc.DBAPIError as exc:  # before the first load created the tables
            assert "fact_street_crime" in str(exc) or "does not exist" in str(exc), exc
        slowest = max(slowest, time.monotonic() - started)
        time.sleep(0.2)
    assert run.returncode == 0, run.stderr.read()[-3000:]
    analyst.dispose()
    assert seen, "the analyst read nothing while the load ran"
    for counts in seen:  # a month is either absent or whole, never partial or doubled
        assert all(m in whole and (n, distinct) == (whole[m], whole[m]) for m, (n, distinct) in counts.items()), counts
    if not url.startswith("duckdb"):  # MVCC: a read never waits for the load's transaction (a generous bound, not a timing)
        assert slowest < 30, f"a PostgreSQL read waited {slowest:.1f} s for the load"
