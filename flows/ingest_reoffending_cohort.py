"""Flow ingest_reoffending_cohort: the local reoffender cohort extracts -> landing -> validate -> curated -> warehouse -> marts."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from prefect import flow

from flows.common import finish, finish_feed, load_dim_geography, publish_each, rejected, require_source, start_feed_run
from tasks import stages
from tasks.areas import force_authorities
from tasks.errors import FileRejected, SourceError
from tasks.load_log import FileOutcome
from tasks.publish import PartitionLoad
from tasks.reoffending import tasks as reo
from tasks.reoffending.cohort import COHORT_SCHEMA, FEED, QUARANTINE_SCHEMA, REOFFENCE_SCHEMA, CohortFile, quarantine_rows
from tasks.settings import Settings
from tasks.validate import rule_counts


def prepare_cohort(extract: CohortFile, authorities: pa.Table, settings: Settings,
                   run_id: str) -> tuple[FileOutcome, list[PartitionLoad] | None]:
    """One quarter's extract through every stage up to the lake; returns the loads that replace the quarter."""
    period = f"{extract.cohort_start:%Y-%m}"
    outcome = FileOutcome(run_id, FEED, period, f"cohort_start={extract.cohort_start}", extract.file.name)
    try:
        landed = stages.land_file(extract.file, FEED, period, settings, run_id)
        outcome.source_sha256 = landed.sha256
        raw = reo.read_cohort(landed.path, landed.source_name)
        outcome.rows_in = raw.num_rows
        good, bad, raw_result = reo.validate_cohort(raw, extract.cohort_start, extract.file.name,
                                                    authorities["authority_name"].to_pylist())
        outcome.raw_suite_success = raw_result.success
        outcome.warnings += raw_result.warnings
        offenders, reoffences = reo.conform_cohort(good, authorities, extract.cohort_start, landed.sha256, run_id)
        result = reo.validate_cohort_curated(offenders, extract.file.name)
        outcome.curated_suite_success = result.success
        outcome.warnings += result.warnings
        quarantined = quarantine_rows(bad, extract.cohort_start, landed.sha256, run_id)
        outcome.rows_curated, outcome.rows_quarantined = offenders.num_rows, quarantined.num_rows
        outcome.quarantine_by_rule = rule_counts(quarantined)
        outcome.message = f"reoffenders={pc.sum(offenders['reoffended']).as_py() or 0} reoffences_listed={reoffences.num_rows}"
        keys = {"cohort_start": str(extract.cohort_start)}
        where = {"cohort_start": extract.cohort_start}
        return outcome, [
            PartitionLoad("fact_reoffending_cohort", COHORT_SCHEMA.names, offenders.num_rows, where,
                          parquet=stages.write_lake(offenders, settings, "curated", FEED, keys, ("cohort_start",))),
            PartitionLoad("fact_reoffence", REOFFENCE_SCHEMA.names, reoffences.num_rows, where,
                          parquet=stages.write_lake(reoffences, settings, "curated", "reoffence", keys, ("cohort_start",))),
            PartitionLoad("quarantine_reoffending_cohort", QUARANTINE_SCHEMA.names, quarantined.num_rows,
                          {"file_cohort_start": extract.cohort_start},
                          parquet=stages.write_lake(quarantined, settings, "quarantine", FEED, keys,
                                                    ("file_cohort_start",))),
        ]
    except (FileRejected, SourceError) as exc:
        return rejected(settings, outcome, exc)


@flow(name="ingest_reoffending_cohort", log_prints=True)
def ingest_reoffending_cohort(
    source: str | None = None,
    force: str = "lancashire",
    workdir: str | None = None,
    lake_dir: str | None = None,
    warehouse_url: str | None = None,
    rebuild_marts: bool = True,
) -> dict:
    """Load the local reoffender cohort extracts, reoffending_cohort_YYYY-MM.csv (one per quarter).

    source: a folder (any depth), one file or a .zip of extracts (required).
        Each quarter loaded replaces that quarter.
    force: the police.uk slug of the partnership's force, whose authorities the districts must be.
    """
    source = require_source(source, "source", "a folder, file or .zip of reoffending_cohort_YYYY-MM.csv extracts")
    settings, run_id, report = start_feed_run(FEED, workdir, lake_dir, warehouse_url)
    try:
        extracts = reo.find_cohorts(source)
        if not extracts:
            raise SourceError(f"no reoffending_cohort_YYYY-MM.csv in {source}")
        authorities = force_authorities(load_dim_geography(settings), force)
    except (SourceError, FileNotFoundError, LookupError) as exc:
        report.error = str(exc)
        return finish(report, settings, source=str(source))
    publish_each(extracts, lambda e: prepare_cohort(e, authorities, settings, run_id), settings, report)
    return finish_feed(report, settings, rebuild_marts)
