"""Flow ingest_reoffending_cohort: the local reoffender cohort extracts -> landing -> validate -> curated -> warehouse -> marts."""

from __future__ import annotations

from prefect import flow

from flows.common import require_source
from flows.runner import run_feed
from tasks.reoffending.cohort_feed import COHORTS


@flow(name="ingest_reoffending_cohort", log_prints=True)
def ingest_reoffending_cohort(
    source: str | None = None,
    force: str = "lancashire",
    workdir: str | None = None,
    lake_dir: str | None = None,
    warehouse_url: str | None = None,
    rebuild_marts: bool = True,
) -> dict:
    """Load the local reoffender cohort extracts, reoffending_cohort_YYYY-MM.csv (one per quarter).

    source: a folder (any depth), one file or a .zip of extracts (required).
        Each quarter loaded replaces that quarter.
    force: the police.uk slug of the partnership's force, whose authorities the districts must be.
    """
    source = require_source(source, "source", "a folder, file or .zip of reoffending_cohort_YYYY-MM.csv extracts")
    return run_feed(COHORTS, source, {"force": force}, workdir, lake_dir, warehouse_url, rebuild_marts)
