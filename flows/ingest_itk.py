"""Flow ingest_itk: cumulative Lancashire Talking exports -> landing -> validate -> curated -> merged into the warehouse."""

from __future__ import annotations

import sqlalchemy as sa
from prefect import flow

from flows.common import finish, finish_feed, load_dim_geography, publish_each, rejected, require_source, start_feed_run
from tasks import stages
from tasks.areas import force_wards
from tasks.errors import FileRejected, SourceError
from tasks.itk import tasks as itk
from tasks.itk.checks import area_parameters
from tasks.itk.merge import merge_export
from tasks.itk.read import ExportFile
from tasks.itk.schema import FEED, ISSUE_SCHEMA, QUARANTINE_SCHEMA, RESPONSE_SCHEMA
from tasks.load_log import FileOutcome
from tasks.publish import PartitionLoad, lock_table
from tasks.settings import Settings
from tasks.validate import rule_counts

KEY = ("export_date",)


def prepare_export(export: ExportFile, wards, area: dict, settings: Settings,
                   run_id: str) -> tuple[FileOutcome, list[PartitionLoad] | None]:
    """One export through every stage up to the lake; returns the warehouse loads to publish and merge."""
    period = export.export_date.isoformat()
    outcome = FileOutcome(run_id, FEED, period, f"export_date={period}", export.file.name)
    try:
        landed = stages.land_file(export.file, FEED, period, settings, run_id)
        outcome.source_sha256 = landed.sha256
        raw = itk.read_export(landed.path, landed.source_name)
        outcome.rows_in = raw.num_rows
        good, bad, raw_result = itk.validate_raw(raw, export.export_date, export.file.name, area)
        del raw
        outcome.raw_suite_success = raw_result.success
        outcome.warnings += raw_result.warnings
        responses, issues, quarantined = itk.conform_export(good, bad, wards, export.export_date, landed.sha256,
                                                           run_id, settings)
        del good, bad
        results = itk.validate_curated(responses, issues, export.export_date, export.file.name)
        outcome.curated_suite_success = all(r.success for r in results)
        outcome.warnings += [w for r in results for w in r.warnings]
        outcome.rows_curated, outcome.rows_quarantined = responses.num_rows, quarantined.num_rows
        outcome.quarantine_by_rule = rule_counts(quarantined)
        outcome.message = f"issues named={issues.num_rows}"
        keys = {"export_date": period}
        where = {"export_date": export.export_date}
        return outcome, [
            PartitionLoad("etl_stage_itk_response", RESPONSE_SCHEMA.names, responses.num_rows, where,
                          parquet=stages.write_lake(responses, settings, "curated", "itk_response", keys, KEY)),
            PartitionLoad("etl_stage_itk_response_issue", ISSUE_SCHEMA.names, issues.num_rows, where,
                          parquet=stages.write_lake(issues, settings, "curated", "itk_response_issue", keys, KEY)),
            PartitionLoad("quarantine_itk_response", QUARANTINE_SCHEMA.names, quarantined.num_rows, where,
                          parquet=stages.write_lake(quarantined, settings, "quarantine", "itk_response", keys, KEY)),
        ]
    except (FileRejected, SourceError) as exc:
        return rejected(settings, outcome, exc)


def merge_staged(conn: sa.Connection, outcomes: list[FileOutcome]) -> None:
    """One export merges at a time, so each sees the responses the one before it committed."""
    lock_table(conn, "fact_itk_response")
    merge_export(conn, outcomes)


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
    settings, run_id, report = start_feed_run(FEED, workdir, lake_dir, warehouse_url)
    try:
        exports = itk.find_exports(source)
        if not exports:
            raise SourceError(f"no itk_lancashire_talking_YYYYMMDD.csv in {source}")
        wards = force_wards(load_dim_geography(settings), force)
    except (SourceError, FileNotFoundError, LookupError) as exc:
        report.error = str(exc)
        return finish(report, settings, source=str(source))
    area = area_parameters(wards)
    publish_each(exports, lambda e: prepare_export(e, wards, area, settings, run_id), settings, report, merge_staged)
    return finish_feed(report, settings, rebuild_marts)
