"""Flow ingest_reference: ONS geography lookups, BCU grouping and force list -> dim_geography."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.common import finish, require_source, start_feed_run
from tasks import stages
from tasks.errors import FileRejected, SourceError
from tasks.load_log import FileOutcome
from tasks.publish import PartitionLoad
from tasks.reference import checks, geography
from tasks.reference.tables import conform_reference_table, with_lineage
from tasks.sources import local_file
from tasks.validate import check_or_reject, rule_counts

FEED = "reference"
NEEDED = ["ons_lsoa_ward_lad", "ons_lad_csp_pfa", "bcu_grouping", "police_forces"]
TABLES = {layout.dataset: layout.table for layout in geography.LAYOUTS if layout.table}
CONFIG_FALLBACK = ["bcu_grouping", "police_forces", *TABLES]


@task(name="find-reference-files", cache_policy=NO_CACHE)
def find_reference_files(source: Path, config_dir: Path) -> tuple[dict, list[str]]:
    """The newest file of each layout in the source; the configured folder fills the layouts it lacks."""
    return geography.find_reference_files(source, config_dir, CONFIG_FALLBACK)


@task(name="read-reference", cache_policy=NO_CACHE)
def read_and_check(ref: geography.ReferenceFile, landed_path: Path) -> tuple[pa.Table, pa.Table, object]:
    """Read a landed reference file and run its raw suite."""
    table = geography.read_reference(geography.ReferenceFile(landed_path, ref.layout, ref.rename, ref.vintage))
    return checks.check_reference(table, ref.layout.dataset, str(ref.path))


@task(name="build-dim-geography", cache_policy=NO_CACHE)
def build_dim(tables: dict[str, pa.Table], vintage: str, sha256: str, run_id: str) -> tuple[pa.Table, object]:
    """Join the lookups into dim_geography and run its curated suite."""
    dim = geography.build_dim_geography(
        tables["ons_lsoa_ward_lad"], tables["ons_lad_csp_pfa"], tables["bcu_grouping"], tables["police_forces"], vintage
    )
    dim = with_lineage(dim, sha256, run_id)
    return dim, check_or_reject(dim, "dim_geography", "curated", {}, "dim_geography")


@flow(name="ingest_reference", log_prints=True)
def ingest_reference(
    source: str | None = None,
    workdir: str | None = None,
    lake_dir: str | None = None,
    warehouse_url: str | None = None,
) -> dict:
    """Load reference data: dim_geography, population, police.uk harm weights, threat ranking.

    source: a folder of reference CSVs recognised by their headers: ONS lookups as ONS publishes
        them (LSOA->ward->LAD and LAD->CSP->PFA, any vintage; the newest of each is used), LSOA
        population by year, police.uk crime-type CSS weights, the threat ranking (required).
        What the source lacks (BCU grouping, force list, population, weights, ranking) comes
        from the configured reference folder.
    """
    source = require_source(source, "source", "a folder of the ONS lookup CSVs")
    logger = get_run_logger()
    settings, run_id, report = start_feed_run(FEED, workdir, lake_dir, warehouse_url)
    source_dir = Path(source)
    try:
        chosen, notes = find_reference_files(source_dir, settings.reference_dir)
    except SourceError as exc:
        report.error = str(exc)
        return finish(report, settings)
    report.notes += notes
    missing = [d for d in NEEDED if d not in chosen]
    if missing:
        report.error = f"no file of layout {missing} in {source_dir} or {settings.reference_dir}"
        return finish(report, settings)
    tables, quarantines, shas = {}, [], {}
    for dataset in NEEDED + [d for d in TABLES if d in chosen]:
        ref = chosen[dataset]
        outcome = FileOutcome(run_id, dataset, ref.vintage, None, str(ref.path))
        report.files.append(outcome)
        try:
            landed = stages.land_file(local_file(ref.path), dataset, ref.vintage, settings, run_id)
            outcome.source_sha256 = shas[dataset] = landed.sha256
            good, bad, result = read_and_check(ref, landed.path)
        except FileRejected as exc:
            outcome.message = exc.reason
            stages.log_rejection(settings, outcome)
            continue
        outcome.rows_in = good.num_rows + bad.num_rows
        outcome.rows_curated, outcome.rows_quarantined = good.num_rows, bad.num_rows
        outcome.raw_suite_success = result.success
        outcome.warnings += result.warnings
        outcome.quarantine_by_rule = rule_counts(bad) if bad.num_rows else {}
        tables[dataset] = good
        quarantines.append((dataset, checks.quarantine_records(bad, dataset, landed.sha256, run_id)))
    if any(f.status == "rejected" for f in report.files):
        return finish(report, settings)
    vintage = f"{chosen['ons_lsoa_ward_lad'].vintage}+{chosen['ons_lad_csp_pfa'].vintage.split('/', 1)[1]}"
    try:
        dim, dim_result = build_dim(tables, vintage, shas["ons_lsoa_ward_lad"], run_id)
    except FileRejected as exc:
        report.error = str(exc)
        return finish(report, settings)
    for f in report.files:
        f.curated_suite_success = dim_result.success
    report.notes += dim_result.warnings
    dim_path = stages.write_lake(dim, settings, "curated", "dim_geography", {})
    loads = [PartitionLoad("dim_geography", dim.schema.names, dim.num_rows, parquet=dim_path)]
    for dataset, table_name in TABLES.items():
        if dataset in tables:
            table = conform_reference_table(dataset, tables[dataset], shas[dataset], run_id)
            path = stages.write_lake(table, settings, "curated", table_name, {})
            loads.append(PartitionLoad(table_name, table.schema.names, table.num_rows, parquet=path))
        else:
            report.notes.append(f"{dataset}: no file in {source_dir} or {settings.reference_dir}; {table_name} left as it was")
    loads += [
        PartitionLoad("quarantine_reference", q.schema.names, q.num_rows, {"feed": feed}, arrow=q)
        for feed, q in quarantines
    ]
    stages.publish_partitions(settings, loads, report.files)
    report.marts_built = stages.rebuild_marts(settings, [FEED])
    logger.info("dim_geography: %d LSOAs, vintage %s", dim.num_rows, vintage)
    report.notes.append(f"dim_geography: {dim.num_rows} LSOAs, vintage {vintage}")
    return finish(report, settings)
