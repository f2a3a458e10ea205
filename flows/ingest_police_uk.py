"""Flow ingest_police_uk: data.police.uk street files -> landing -> validate -> curated -> warehouse -> marts."""

from __future__ import annotations

from prefect import flow, get_run_logger, task

from flows.common import finish, load_dim_geography, settings_for
from tasks import stages
from tasks.errors import FileRejected, SourceError
from tasks.load_log import FileOutcome
from tasks.periods import month_label
from tasks.police_uk import tasks as street
from tasks.police_uk.checks import quarantine_rows
from tasks.police_uk.conform import force_area, unknown_lsoas
from tasks.police_uk.fetch import PoliceUkClient
from tasks.police_uk.read import StreetFile
from tasks.police_uk.schema import CURATED_SCHEMA, FEED, QUARANTINE_SCHEMA
from tasks.publish import PartitionLoad
from tasks.report import FeedReport
from tasks.runs import current_run_id, release_memory
from tasks.settings import SAMPLE_DIR, Settings
from tasks.validate import rule_counts

SAMPLE_SOURCE = str(SAMPLE_DIR / "police_uk" / "lancashire-street-2019-12_2020-03.zip")


@task(name="fetch-archive", retries=1, retry_delay_seconds=30)
def fetch_archive(settings: Settings, month: str) -> str:
    """Download a data.police.uk monthly archive (the client retries inside; one more try here)."""
    client = PoliceUkClient(settings.police_uk_base_url, settings.http_timeout, settings.http_retries)
    return str(client.download_archive(month, settings.downloads / "police_uk"))


def prepare_street_file(sf: StreetFile, dim, area, settings: Settings, run_id: str) -> tuple[FileOutcome, list | None]:
    """Run one file through every stage up to the lake; returns the warehouse loads to publish.

    A rejected file is logged here (no loads) and leaves earlier loads untouched.
    """
    period = month_label(sf.month)
    outcome = FileOutcome(run_id, FEED, period, f"force={sf.force}", sf.file.name)
    try:
        landed = stages.land_file(sf.file, FEED, period, settings, run_id)
        outcome.source_sha256 = landed.sha256
        raw = street.read_street(landed)
        outcome.rows_in = raw.num_rows
        good, bad, raw_result = street.validate_raw(raw, sf.month, sf.file.name)
        del raw
        outcome.raw_suite_success = raw_result.success
        outcome.warnings += raw_result.warnings
        curated = street.conform_street(good, dim, area, sf.month, landed.sha256, run_id)
        del good
        cur_result = street.validate_curated(curated, sf.month, sf.file.name)
        outcome.curated_suite_success = cur_result.success
        outcome.warnings += cur_result.warnings
        quarantined = quarantine_rows(bad, sf.force, sf.month, landed.sha256, run_id)
        outcome.rows_curated, outcome.rows_quarantined = curated.num_rows, quarantined.num_rows
        outcome.quarantine_by_rule = rule_counts(quarantined)
        outcome.message = describe(curated)
        keys = {"force": sf.force, "month": period}
        curated_path = stages.write_lake(curated, settings, "curated", FEED, keys)
        quarantine_path = stages.write_lake(quarantined, settings, "quarantine", FEED, keys)
        return outcome, [
            PartitionLoad("fact_street_crime", CURATED_SCHEMA.names, curated.num_rows,
                          {"force": sf.force, "month": sf.month}, parquet=curated_path),
            PartitionLoad("quarantine_street_crime", QUARANTINE_SCHEMA.names, quarantined.num_rows,
                          {"force": sf.force, "file_month": sf.month}, parquet=quarantine_path),
        ]
    except (FileRejected, SourceError) as exc:
        outcome.message = getattr(exc, "reason", str(exc))
        stages.log_rejection(settings, outcome)
        return outcome, None


def describe(curated) -> str:
    """Counts an analyst wants beside the load: out of area, unlocated, repeated Crime IDs, unknown LSOAs."""
    import pyarrow.compute as pc

    out_of_area = pc.sum(curated["out_of_area"]).as_py() or 0
    unlocated = curated.num_rows - (pc.sum(curated["has_location"]).as_py() or 0)
    repeats = pc.sum(pc.greater(pc.fill_null(curated["crime_id_repeats"], 1), 1)).as_py() or 0
    return (f"out_of_area={out_of_area} no_location={unlocated} "
            f"repeated_crime_id_rows={repeats} lsoa_not_in_geography={unknown_lsoas(curated)}")


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
) -> dict:
    """Load data.police.uk street files for a force.

    source: a folder of *-street.csv (any depth), one file, or a .zip archive; the bundled
        Lancashire sample when neither source nor fetch_month is given.
    force: police.uk force slug, e.g. lancashire.
    months: 'YYYY-MM' or 'YYYY-MM:YYYY-MM' (inclusive); every month in the source when empty.
    fetch_month: download this month's archive ('YYYY-MM' or 'latest') from data.police.uk first.
    """
    logger = get_run_logger()
    settings = settings_for(workdir, lake_dir, warehouse_url)
    run_id = current_run_id()
    report = FeedReport(FEED, run_id)
    stages.prepare_warehouse(settings)
    try:
        if fetch_month:
            source = fetch_archive(settings, fetch_month)
        files = street.find_street_files(source or SAMPLE_SOURCE, force, months)
        if not files:
            raise SourceError(f"no {force} street files for months {months or 'any'} in {source or SAMPLE_SOURCE}")
        dim = load_dim_geography(settings)
        area = force_area(dim, force)
    except (SourceError, FileNotFoundError, LookupError) as exc:
        report.error = str(exc)
        return finish(report, settings)
    logger.info("%d street file(s) for %s", len(files), force)
    publishing = None  # the previous file's warehouse load runs while the next file is prepared
    for sf in files:
        outcome, loads = prepare_street_file(sf, dim, area, settings, run_id)
        release_memory()
        report.files.append(outcome)
        if publishing is not None:
            publishing.result()
        publishing = stages.publish_partitions.submit(settings, loads, [outcome]) if loads else None
        logger.info("%s: %s rows in, %s curated, %s quarantined %s", month_label(sf.month), outcome.rows_in,
                    outcome.rows_curated, outcome.rows_quarantined, outcome.message or "")
    if publishing is not None:
        publishing.result()
    if rebuild_marts and any(f.status == "loaded" for f in report.files):
        report.marts_built = stages.rebuild_marts(settings, [FEED])
    return finish(report, settings)
