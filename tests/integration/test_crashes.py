"""kill -9 inside the landing copy, the Parquet write and the warehouse transaction on DuckDB: after
every kill, once the next run's recovery has run, the lake, the warehouse and the load log agree
(no partial partition, no orphan or duplicate rows, no litter), and a clean re-run loads every row."""

from __future__ import annotations

import pytest

from tests.conftest import make_warehouse
from tests.integration.crash_runs import KILLS, crash_then_rerun, expected_rows, lake_rows

pytestmark = pytest.mark.usefixtures("prefect_api")


def test_eleven_kills_on_duckdb_lose_nothing(tmp_path):
    url, cleanup = make_warehouse("duckdb", tmp_path)
    recovered = crash_then_rerun(tmp_path, url, KILLS)
    assert any(r.startswith("promoted") for r in recovered), recovered  # the after-commit kills were finished
    assert any("never committed" in r for r in recovered), recovered
    assert lake_rows(tmp_path, "curated") == expected_rows()
    cleanup()
