"""kill -9 inside the Parquet writes and the warehouse transaction on PostgreSQL: the killed
client's transaction rolls back, a committed one is finished by the next run's recovery, and a
clean re-run loads every row (tests/integration/crash_runs.py has the checks)."""

from __future__ import annotations

import pytest

from tests.conftest import make_warehouse
from tests.integration.crash_runs import POSTGRES_KILLS, crash_then_rerun, expected_rows, lake_rows

pytestmark = [pytest.mark.usefixtures("prefect_api"), pytest.mark.postgres]


def test_nine_kills_on_postgres_lose_nothing(tmp_path):
    url, cleanup = make_warehouse("postgres", tmp_path)
    try:
        recovered = crash_then_rerun(tmp_path, url, POSTGRES_KILLS)
        assert any(r.startswith("promoted") for r in recovered), recovered
        assert lake_rows(tmp_path, "curated") == expected_rows()
    finally:
        cleanup()
