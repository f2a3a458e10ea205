"""Flow ingest_reference: ONS geography lookups, BCU grouping, forces and reference tables -> dim_geography and ref_*."""

from __future__ import annotations

from prefect import flow

from flows.common import require_source
from flows.runner import run_feed
from tasks.reference.feed import REFERENCE


@flow(name="ingest_reference", log_prints=True)
def ingest_reference(
    source: str | None = None,
    workdir: str | None = None,
    lake_dir: str | None = None,
    warehouse_url: str | None = None,
) -> dict:
    """Load reference data: dim_geography, population, police.uk harm weights, threat ranking.

    source: a folder of reference CSVs recognised by their headers: ONS lookups as ONS publishes
        them (LSOA->ward->LAD and LAD->CSP->PFA, any vintage; the newest of each is used), LSOA
        population by year, police.uk crime-type CSS weights, the threat ranking (required).
        What the source lacks (BCU grouping, force list, population, weights, ranking) comes
        from the configured reference folder.
    """
    source = require_source(source, "source", "a folder of the ONS lookup CSVs")
    return run_feed(REFERENCE, source, {}, workdir, lake_dir, warehouse_url)
