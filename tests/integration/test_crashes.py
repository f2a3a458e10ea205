"""kill -9 inside the landing copy, the Parquet write and the warehouse transaction on DuckDB, one
case per crash point: once the next run's recovery has run, the lake, the warehouse and the load log
agree (no partial partition, no orphan or duplicate rows, no litter), and a clean re-run loads every row."""

from __future__ import annotations

import pytest

from tests.conftest import make_warehouse
from tests.integration.crash_runs import KILLS, crash_then_rerun

pytestmark = [pytest.mark.usefixtures("prefect_api"), pytest.mark.crash]


@pytest.mark.parametrize(("point", "where", "recovery"), KILLS, ids=[k[0] for k in KILLS])
def test_a_kill_on_duckdb_loses_nothing(tmp_path, point, where, recovery):
    url, cleanup = make_warehouse("duckdb", tmp_path)
    crash_then_rerun(tmp_path, url, point, where, recovery)
    cleanup()
