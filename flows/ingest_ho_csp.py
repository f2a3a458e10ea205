"""Flow ingest_ho_csp: Home Office recorded crime by CSP (xlsx or CSV) -> landing -> validate -> curated -> warehouse."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.common import finish, load_dim_geography, require_source, start_feed_run
from tasks import stages
from tasks.errors import FileRejected, SourceError
from tasks.ho_csp import checks
from tasks.ho_csp.conform import CURATED_SCHEMA, conform_ho, csp_lookup
from tasks.ho_csp.read import FEED, read_ho_file
from tasks.load_log import FileOutcome
from tasks.publish import PartitionLoad
from tasks.settings import Settings
from tasks.sources import SourceFile, open_source
from tasks.validate import rule_counts

TABLE_FILE = re.compile(r"\.(xlsx|csv)$", re.I)


@task(name="find-ho-tables", retries=2, retry_delay_seconds=[1, 5])
def find_tables(source: str) -> list[SourceFile]:
    """Every .xlsx and .csv in the source."""
    return open_source(Path(source)).list_files(TABLE_FILE)


@task(name="read-ho-tables", cache_policy=NO_CACHE)
def read_tables(path: Path, name: str):
    """A landed workbook or CSV -> one batch per year sheet."""
    return read_ho_file(path, name)


@task(name="validate-raw", cache_policy=NO_CACHE)
def validate_raw(table: pa.Table, part: str, source: str):
    """Raw suite on one batch."""
    return checks.check_ho(table, part, source)


def year_loads(curated: pa.Table, quarantined: pa.Table, years: list[str], settings: Settings) -> list[PartitionLoad]:
    """One replace per financial year the batch holds (its sheet's year at least), facts and quarantine."""
    loads = []
    for year in sorted(set(years) | set(curated["financial_year"].to_pylist()) | set(quarantined["period"].to_pylist())):
        rows = curated.filter(pc.equal(curated["financial_year"], year))
        staged = stages.write_lake(rows, settings, "curated", FEED, {"financial_year": year.replace("/", "-")},
                                   ("financial_year",))
        loads.append(PartitionLoad("fact_ho_csp_crime", CURATED_SCHEMA.names, rows.num_rows, {"financial_year": year},
                                   parquet=staged))
        held = quarantined.filter(pc.equal(quarantined["period"], year))
        loads.append(PartitionLoad("quarantine_ho_csp_crime", held.schema.names, held.num_rows, {"period": year}, arrow=held))
    return loads


@flow(name="ingest_ho_csp", log_prints=True)
def ingest_ho_csp(
    source: str | None = None,
    workdir: str | None = None,
    lake_dir: str | None = None,
    warehouse_url: str | None = None,
    rebuild_marts: bool = True,
) -> dict:
    """Load Home Office police recorded crime by Community Safety Partnership.

    source: a folder, file or .zip of the published tables: xlsx workbooks with one sheet per
        financial year (2018_19), or CSV; current or older column names. Each year loaded
        replaces that year. Negative counts (recording corrections) are kept and reported.
        Required.
    """
    source = require_source(source, "source", "a folder, file or .zip of the Home Office CSP tables (xlsx or CSV)")
    logger = get_run_logger()
    settings, run_id, report = start_feed_run(FEED, workdir, lake_dir, warehouse_url)
    try:
        files = find_tables(source)
        if not files:
            raise SourceError(f"no .xlsx or .csv tables in {source}")
        csps = csp_lookup(load_dim_geography(settings))
    except (SourceError, FileNotFoundError) as exc:
        report.error = str(exc)
        return finish(report, settings, source=str(source))
    for file in files:
        landed = stages.land_file(file, FEED, "tables", settings, run_id)
        try:
            batches = read_tables(landed.path, file.name)
        except FileRejected as exc:
            outcome = FileOutcome(run_id, FEED, None, None, file.name, landed.sha256, message=exc.reason)
            report.files.append(outcome)
            stages.log_rejection(settings, outcome)
            continue
        for batch in batches:
            outcome = FileOutcome(run_id, FEED, batch.part.replace("_", "/"), f"sheet={batch.part}", file.name,
                                  landed.sha256, rows_in=batch.table.num_rows)
            report.files.append(outcome)
            try:
                good, bad, result = validate_raw(batch.table, batch.part, file.name)
            except FileRejected as exc:
                outcome.message = exc.reason
                stages.log_rejection(settings, outcome)
                continue
            curated = conform_ho(good, csps, batch.part, landed.sha256, run_id)
            quarantined = checks.quarantine_rows(bad, batch.part, landed.sha256, run_id)
            outcome.raw_suite_success = result.success
            outcome.warnings += result.warnings
            outcome.rows_curated, outcome.rows_quarantined = curated.num_rows, quarantined.num_rows
            outcome.quarantine_by_rule = rule_counts(bad)
            negative = pc.sum(curated["is_negative"]).as_py() or 0
            unmatched = pc.sum(pc.is_null(curated["csp_code"])).as_py() or 0
            outcome.message = f"negative_counts={negative} csp_not_in_geography={unmatched}"
            stages.publish_partitions(settings, year_loads(curated, quarantined, checks.sheet_years(batch.part, batch.table),
                                                           settings), [outcome])
            logger.info("%s %s: %s rows in, %s curated, %s quarantined %s", file.name, batch.part, outcome.rows_in,
                        outcome.rows_curated, outcome.rows_quarantined, outcome.message)
    if rebuild_marts and any(f.status == "loaded" for f in report.files):
        report.marts_built = stages.rebuild_marts(settings, [FEED])
    return finish(report, settings)
