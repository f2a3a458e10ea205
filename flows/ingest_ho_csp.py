"""Flow ingest_ho_csp: Home Office recorded crime by CSP (xlsx or CSV) -> landing -> validate -> curated -> warehouse."""

from __future__ import annotations

from prefect import flow

from flows.common import require_source
from flows.fetching import fetch_feed_release
from flows.runner import run_feed
from tasks.ho_csp.feed import HO_TABLES


@flow(name="ingest_ho_csp", log_prints=True)
def ingest_ho_csp(
    source: str | None = None,
    workdir: str | None = None,
    lake_dir: str | None = None,
    warehouse_url: str | None = None,
    rebuild_marts: bool = True,
    fetch_release: bool = False,
) -> dict:
    """Load Home Office police recorded crime by Community Safety Partnership.

    source: a folder, file or .zip of the published tables: xlsx workbooks with one sheet per
        financial year (2018_19), or CSV; current or older column names. Each year loaded
        replaces that year. Negative counts (recording corrections) are kept and reported.
        Required unless fetch_release is set.
    fetch_release: download the newest CSP tables from gov.uk first (instead of `source`); tables
        already loaded end the run as "nothing new".
    """
    if fetch_release:
        source, nothing_new = fetch_feed_release("ho_csp", workdir, lake_dir, warehouse_url)
        if nothing_new:
            return nothing_new
    source = require_source(source, "source", "a folder, file or .zip of the Home Office CSP tables (xlsx or CSV) (or set `fetch_release`)")
    return run_feed(HO_TABLES, source, {}, workdir, lake_dir, warehouse_url, rebuild_marts)
