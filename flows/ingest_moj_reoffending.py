"""Flow ingest_moj_reoffending: MoJ proven reoffending tables (three layouts) -> landing -> validate -> curated -> warehouse."""

from __future__ import annotations

from prefect import flow

from flows.common import require_source
from flows.fetching import fetch_feed_release
from flows.runner import run_feed
from tasks.reoffending.moj_feed import TABLES_FEED


@flow(name="ingest_moj_reoffending", log_prints=True)
def ingest_moj_reoffending(
    source: str | None = None,
    workdir: str | None = None,
    lake_dir: str | None = None,
    warehouse_url: str | None = None,
    rebuild_marts: bool = True,
    fetch_release: bool = False,
) -> dict:
    """Load MoJ proven reoffending tables: the overview CSV, the geographical data tool (xlsx sheet
    Data, or CSV) and the reshaped national series, recognised by their headers.

    source: a folder, file or .zip of the tables (required). Each cohort period a file holds
        replaces that period of its layout; the series replaces each measure and unit it holds.
    fetch_release: download the newest quarterly release from gov.uk first (instead of `source`);
        a release already loaded ends the run as "nothing new".
    """
    if fetch_release:
        source, nothing_new = fetch_feed_release("moj_reoffending", workdir, lake_dir, warehouse_url)
        if nothing_new:
            return nothing_new
    source = require_source(source, "source", "a folder, file or .zip of the MoJ proven reoffending tables (or set `fetch_release`)")
    return run_feed(TABLES_FEED, source, {}, workdir, lake_dir, warehouse_url, rebuild_marts)
