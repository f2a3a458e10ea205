"""Flow ingest_recorded_crime: the force's offence-coded extracts -> landing -> validate -> curated -> warehouse -> marts."""

from __future__ import annotations

from prefect import flow

from flows.common import require_source
from flows.runner import run_feed
from tasks.recorded_crime.feed import EXTRACT


@flow(name="ingest_recorded_crime", log_prints=True)
def ingest_recorded_crime(
    source: str | None = None,
    force: str = "lancashire",
    months: str | None = None,
    workdir: str | None = None,
    lake_dir: str | None = None,
    warehouse_url: str | None = None,
    rebuild_marts: bool = True,
) -> dict:
    """Load the force's monthly recorded-crime extracts (recorded_crime_YYYY-MM.csv).

    source: a folder (any depth), one file or a .zip of extracts (required).
    force: the police.uk slug of the force that sent them.
    months: 'YYYY-MM' or 'YYYY-MM:YYYY-MM' (inclusive); every month in the source when empty.
    """
    source = require_source(source, "source", "a folder, file or .zip of recorded_crime_YYYY-MM.csv extracts")
    return run_feed(EXTRACT, source, {"force": force, "months": months}, workdir, lake_dir, warehouse_url, rebuild_marts)
