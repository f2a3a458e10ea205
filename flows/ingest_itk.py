"""Flow ingest_itk: cumulative Lancashire Talking exports -> landing -> validate -> curated -> merged into the warehouse."""

from __future__ import annotations

from prefect import flow

from flows.common import require_source
from flows.runner import run_feed
from tasks.itk.feed import EXPORTS


@flow(name="ingest_itk", log_prints=True)
def ingest_itk(
    source: str | None = None,
    force: str = "lancashire",
    workdir: str | None = None,
    lake_dir: str | None = None,
    warehouse_url: str | None = None,
    rebuild_marts: bool = True,
) -> dict:
    """Load Lancashire Talking (In The Know) exports, itk_lancashire_talking_YYYYMMDD.csv.

    source: a folder (any depth), one file or a .zip of exports (required).
        Exports are cumulative and may come in any order: each response keeps its
        latest version (updated_at), so reloading an export, or an older one, changes nothing.
    force: the police.uk slug of the partnership's force, whose wards the responses must fall in.
    """
    source = require_source(source, "source", "a folder, file or .zip of itk_lancashire_talking_YYYYMMDD.csv exports")
    return run_feed(EXPORTS, source, {"force": force}, workdir, lake_dir, warehouse_url, rebuild_marts)
