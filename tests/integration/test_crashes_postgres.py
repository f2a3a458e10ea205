"""kill -9 inside the Parquet writes and the warehouse transaction on PostgreSQL, one case per crash
point: the killed client's transaction rolls back, a committed one is finished by the next run's
recovery, and a clean re-run loads every row (tests/integration/crash_runs.py has the checks)."""

from __future__ import annotations

import pytest

from tests.conftest import make_warehouse
from tests.integration.crash_runs import POSTGRES_KILLS, crash_then_rerun, load_reference

pytestmark = [pytest.mark.usefixtures("prefect_api"), pytest.mark.postgres, pytest.mark.crash]


@pytest.mark.parametrize(("point", "where", "recovery"), POSTGRES_KILLS, ids=[k[0] for k in POSTGRES_KILLS])
def test_a_kill_on_postgres_loses_nothing(tmp_path, point, where, recovery):
    url, cleanup = make_warehouse("postgres", tmp_path)
    try:
        load_reference(tmp_path, url)
        crash_then_rerun(tmp_path, url, point, where, recovery)
    finally:
        cleanup()
