"""Flow ingest_police_uk: data.police.uk street files -> landing -> validate -> curated -> warehouse -> marts."""

from __future__ import annotations

from prefect import flow, get_run_logger, task

from flows.common import finish, load_dim_geography, require_source, start_feed_run
from flows.monthly_feed import load_month_files
from tasks import stages
from tasks.errors import SourceError
from tasks.police_uk import tasks as street
from tasks.police_uk.conform import force_area
from tasks.police_uk.feed import STREET
from tasks.police_uk.fetch import PoliceUkClient
from tasks.police_uk.schema import FEED
from tasks.runs import retry_on_io
from tasks.settings import Settings

ALL_FORCES = "all"


@task(name="fetch-archive", retries=1, retry_delay_seconds=30, retry_condition_fn=retry_on_io)
def fetch_archive(settings: Settings, month: str) -> str:
    """Download a data.police.uk monthly archive (the client retries inside; one more try here)."""
    client = PoliceUkClient(settings.police_uk_base_url, settings.http_timeout, settings.http_retries)
    return str(client.download_archive(month, settings.downloads / "police_uk"))


@flow(name="ingest_police_uk", log_prints=True)
def ingest_police_uk(
    source: str | None = None,
    force: str = "lancashire",
    months: str | None = None,
    fetch_month: str | None = None,
    workdir: str | None = None,
    lake_dir: str | None = None,
    warehouse_url: str | None = None,
    rebuild_marts: bool = True,
    incremental: bool = False,
) -> dict:
    """Load data.police.uk street files for a force.

    source: a folder of *-street.csv (any depth), one file, or a .zip archive; required
        unless fetch_month is given.
    force: police.uk force slug, e.g. lancashire; "all" for every force in the source (the national
        archive), each needing its geography in dim_geography.
    months: 'YYYY-MM' or 'YYYY-MM:YYYY-MM' (inclusive); every month in the source when empty.
    fetch_month: download this month's archive ('YYYY-MM' or 'latest') from data.police.uk first.
    incremental: process only files that are new or changed since their partition's last load
        (the monthly run over a 36-month archive then reads one month, not 36).
    """
    if not fetch_month:
        source = require_source(source, "source", "a folder, file or .zip of YYYY-MM-<force>-street.csv (or set `fetch_month`)")
    logger = get_run_logger()
    settings, run_id, report = start_feed_run(FEED, workdir, lake_dir, warehouse_url)
    try:
        if fetch_month:
            source = fetch_archive(settings, fetch_month)
        files = street.find_street_files(source, None if force == ALL_FORCES else force, months)
        if not files:
            raise SourceError(f"no {force} street files for months {months or 'any'} in {source}")
        dim = load_dim_geography(settings)
        areas = {f: force_area(dim, f) for f in sorted({mf.force for mf in files})}
    except (SourceError, FileNotFoundError, LookupError) as exc:
        report.error = str(exc)
        return finish(report, settings, source=str(source))
    logger.info("%d street file(s) for %s", len(files), ", ".join(areas))
    load_month_files(STREET, files, {"dim": dim, "areas": areas}, settings, run_id, report, incremental)
    if rebuild_marts and any(f.status == "loaded" for f in report.files):
        report.marts_built = stages.rebuild_marts(settings, [FEED])
    return finish(report, settings)
