"""Flow ingest_trading_standards: Young Persons Survey waves -> landing -> validate -> curated -> warehouse -> marts."""

from __future__ import annotations

from prefect import flow

from flows.common import require_source
from flows.runner import run_feed
from tasks.young_persons.feed import WAVES


@flow(name="ingest_trading_standards", log_prints=True)
def ingest_trading_standards(
    source: str | None = None,
    force: str = "lancashire",
    workdir: str | None = None,
    lake_dir: str | None = None,
    warehouse_url: str | None = None,
    rebuild_marts: bool = True,
) -> dict:
    """Load Trading Standards Young Persons Survey waves, ts_young_persons_survey_YYYY-YY.csv.

    source: a folder (any depth), one file or a .zip of wave files (required).
        Each wave loaded replaces that wave.
    force: the police.uk slug of the partnership's force, whose authorities the districts must be.
    """
    source = require_source(source, "source", "a folder, file or .zip of ts_young_persons_survey_YYYY-YY.csv waves")
    return run_feed(WAVES, source, {"force": force}, workdir, lake_dir, warehouse_url, rebuild_marts)
