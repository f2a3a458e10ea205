"""Flow ingest_recorded_crime: the force's offence-coded extracts -> landing -> validate -> curated -> warehouse -> marts."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task

from flows.common import finish, load_dim_geography, load_reference_table, require_source, start_feed_run
from flows.monthly_feed import load_month_files
from tasks import stages
from tasks.errors import SourceError
from tasks.feed import MonthFile
from tasks.periods import parse_month_range
from tasks.police_uk.conform import force_area
from tasks.recorded_crime.feed import make_feed
from tasks.recorded_crime.read import find_extracts
from tasks.recorded_crime.schema import FEED
from tasks.sources import open_source


@task(name="find-extracts", retries=2, retry_delay_seconds=[1, 5])
def find_extract_files(source: str, force: str, months: str | None) -> list[MonthFile]:
    """The extracts in the source for the months."""
    return find_extracts(open_source(Path(source)), force, parse_month_range(months))


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
    logger = get_run_logger()
    settings, run_id, report = start_feed_run(FEED, workdir, lake_dir, warehouse_url)
    try:
        files = find_extract_files(source, force, months)
        if not files:
            raise SourceError(f"no recorded_crime_YYYY-MM.csv for months {months or 'any'} in {source}")
        dim = load_dim_geography(settings)
        extras = {
            "dim": dim,
            "area": force_area(dim, force),
            "classification": load_reference_table(settings, "ref_offence_classification"),
            "rules": load_reference_table(settings, "ref_serious_violence_rules"),
        }
    except (SourceError, FileNotFoundError, LookupError) as exc:
        report.error = str(exc)
        return finish(report, settings, source=str(source))
    feed = make_feed(extras["classification"]["offence_code"].to_pylist())
    logger.info("%d extract(s) for %s", len(files), force)
    load_month_files(feed, files, extras, settings, run_id, report)
    if rebuild_marts and any(f.status == "loaded" for f in report.files):
        report.marts_built = stages.rebuild_marts(settings, [FEED])
    return finish(report, settings)
