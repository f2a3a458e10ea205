"""Flow ingest_moj_reoffending: MoJ proven reoffending tables (three layouts) -> landing -> validate -> curated -> warehouse."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from prefect import flow

from flows.common import finish, finish_feed, load_dim_geography, publish_each, rejected, require_source, start_feed_run
from tasks import stages
from tasks.errors import FileRejected, SourceError
from tasks.load_log import FileOutcome
from tasks.publish import PartitionLoad, split_partitions
from tasks.reoffending import tasks as reo
from tasks.reoffending.moj import FEED
from tasks.reoffending.moj_checks import SERIES_SCHEMA, TABLES_SCHEMA, partition_label, quarantine_rows
from tasks.settings import Settings
from tasks.sources import SourceFile
from tasks.validate import rule_counts

# Each layout's fact table and the columns whose values make a partition: a file replaces those it holds.
TARGETS = {
    "overview": ("fact_moj_reoffending", TABLES_SCHEMA, ["layout", "period_start", "period_type"]),
    "geographic": ("fact_moj_reoffending", TABLES_SCHEMA, ["layout", "period_start", "period_type"]),
    "series": ("fact_moj_reoffending_series", SERIES_SCHEMA, ["measure", "period_type"]),
}


def authority_codes(dim) -> dict[str, str]:
    """Authority name -> code for every authority in dim_geography."""
    return dict(zip(dim["authority_name"].to_pylist(), dim["authority_code"].to_pylist()))


def prepare_file(file: SourceFile, authorities: dict[str, str], settings: Settings,
                 run_id: str) -> tuple[FileOutcome, list[PartitionLoad] | None]:
    """One table through every stage up to the lake; returns the loads that replace the partitions it holds."""
    outcome = FileOutcome(run_id, FEED, None, None, file.name)
    try:
        landed = stages.land_file(file, FEED, "tables", settings, run_id)
        outcome.source_sha256 = landed.sha256
        batch = reo.read_moj(landed.path, landed.source_name)
        outcome.partition_key = f"layout={batch.layout}"
        outcome.rows_in = batch.table.num_rows
        good, bad, raw_result = reo.validate_moj(batch, file.name)
        outcome.raw_suite_success = raw_result.success
        outcome.warnings += raw_result.warnings
        curated = reo.conform_moj(good, batch.layout, authorities, landed.sha256, run_id)
        result = reo.validate_moj_curated(curated, batch.layout, file.name)
        outcome.curated_suite_success = result.success
        outcome.warnings += result.warnings
        # rows whose period cannot be read belong to the file, by its base name (never a machine's path)
        base_name = Path(file.name.split("!")[-1]).name
        quarantined = quarantine_rows(bad, batch.layout, base_name, landed.sha256, run_id)
        outcome.rows_curated, outcome.rows_quarantined = curated.num_rows, quarantined.num_rows
        outcome.quarantine_by_rule = rule_counts(quarantined)
        table, schema, keys = TARGETS[batch.layout]
        parts = split_partitions(curated, keys)
        outcome.period = ", ".join(sorted({str(k.get("period_start", k.get("measure"))) for k, _ in parts}))[:200] or None
        loads = quarantine_loads(quarantined, [partition_label(batch.layout, key) for key, _ in parts])
        for key, rows in parts:
            folder = {k: str(v) for k, v in key.items()}
            loads.append(PartitionLoad(table, schema.names, rows.num_rows, key,
                                       parquet=stages.write_lake(rows, settings, "curated", table.removeprefix("fact_"),
                                                                 folder, tuple(keys))))
        return outcome, loads
    except (FileRejected, SourceError) as exc:
        return rejected(settings, outcome, exc)


def quarantine_loads(quarantined: pa.Table, fact_partitions: list[str]) -> list[PartitionLoad]:
    """The quarantine replaced as the facts are: for every partition the file holds (and any only its
    held-back rows name), its held-back rows, none included, replace what an earlier file left there."""
    loads = []
    for label in sorted(set(fact_partitions) | set(quarantined["partition_key"].to_pylist())):
        rows = quarantined.filter(pc.equal(quarantined["partition_key"], label))
        loads.append(PartitionLoad("quarantine_moj_reoffending", rows.schema.names, rows.num_rows,
                                   {"partition_key": label}, arrow=rows))
    return loads


@flow(name="ingest_moj_reoffending", log_prints=True)
def ingest_moj_reoffending(
    source: str | None = None,
    workdir: str | None = None,
    lake_dir: str | None = None,
    warehouse_url: str | None = None,
    rebuild_marts: bool = True,
) -> dict:
    """Load MoJ proven reoffending tables: the overview CSV, the geographical data tool (xlsx sheet
    Data, or CSV) and the reshaped national series, recognised by their headers.

    source: a folder, file or .zip of the tables (required). Each cohort period a file holds
        replaces that period of its layout; the series replaces each measure and unit it holds.
    """
    source = require_source(source, "source", "a folder, file or .zip of the MoJ proven reoffending tables")
    settings, run_id, report = start_feed_run(FEED, workdir, lake_dir, warehouse_url)
    try:
        files = reo.find_moj_files(source)
        if not files:
            raise SourceError(f"no .csv or .xlsx tables in {source}")
        authorities = authority_codes(load_dim_geography(settings))
    except (SourceError, FileNotFoundError) as exc:
        report.error = str(exc)
        return finish(report, settings, source=str(source))
    publish_each(files, lambda f: prepare_file(f, authorities, settings, run_id), settings, report)
    return finish_feed(report, settings, rebuild_marts)
