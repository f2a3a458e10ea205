"""Flow ingest_reference: ONS geography lookups, BCU grouping, forces and reference tables -> dim_geography and ref_*."""

from __future__ import annotations

from prefect import flow

from flows.common import require_source
from flows.fetching import fetch_feed_release
from flows.runner import run_feed
from tasks.reference.feed import REFERENCE


@flow(name="ingest_reference", log_prints=True)
def ingest_reference(
    source: str | None = None,
    workdir: str | None = None,
    lake_dir: str | None = None,
    warehouse_url: str | None = None,
    fetch_release: bool = False,
) -> dict:
    """Load reference data: dim_geography, population, police.uk harm weights, threat ranking.

    source: a folder of reference CSVs recognised by their headers: ONS lookups as ONS publishes
        them (LSOA->ward->LAD and LAD->CSP->PFA, any vintage; the newest of each is used), LSOA
        population by year, police.uk crime-type CSS weights, the threat ranking (required).
        What the source lacks (BCU grouping, force list, population, weights, ranking) comes
        from the configured reference folder.
    fetch_release: download the ONS lookups (CSP_ONS_LOOKUP_URLS) and the newest LSOA population
        estimates first (instead of `source`); files already loaded end the run as "nothing new".
    """
    if fetch_release:
        source, nothing_new = fetch_feed_release("reference", workdir, lake_dir, warehouse_url)
        if nothing_new:
            return nothing_new
    source = require_source(source, "source", "a folder of the ONS lookup CSVs (or set `fetch_release`)")
    return run_feed(REFERENCE, source, {}, workdir, lake_dir, warehouse_url)
