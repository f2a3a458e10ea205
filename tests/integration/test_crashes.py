"""kill -9 inside the landing copy, the Parquet write and the warehouse transaction on DuckDB, one
case per crash point: once the next run's recovery has run, the lake, the warehouse and the load log
agree (no partial partition, no orphan or duplicate rows, no litter), and a clean re-run loads every row."""

from __future__ import annotations

import shutil

import pytest

from tests.integration.crash_runs import KILLS, crash_then_rerun, load_reference

pytestmark = [pytest.mark.usefixtures("prefect_api"), pytest.mark.crash]


@pytest.fixture(scope="module")
def with_reference(tmp_path_factory):
    """A workdir whose DuckDB warehouse and lake hold the sample reference, copied by each case."""
    folder = tmp_path_factory.mktemp("reference")
    load_reference(folder, f"duckdb:///{folder / 'warehouse.duckdb'}")
    return folder


@pytest.mark.parametrize(("point", "where", "recovery"), KILLS, ids=[k[0] for k in KILLS])
def test_a_kill_on_duckdb_loses_nothing(tmp_path, with_reference, point, where, recovery):
    shutil.copytree(with_reference, tmp_path, dirs_exist_ok=True)
    crash_then_rerun(tmp_path, f"duckdb:///{tmp_path / 'warehouse.duckdb'}", point, where, recovery)
