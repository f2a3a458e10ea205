"""Flow ingest_trading_standards: Young Persons Survey waves -> landing -> validate -> curated -> warehouse -> marts."""

from __future__ import annotations

from prefect import flow

from flows.common import finish, finish_feed, load_dim_geography, publish_each, rejected, require_source, start_feed_run
from tasks import stages
from tasks.areas import force_authorities
from tasks.errors import FileRejected, SourceError
from tasks.load_log import FileOutcome
from tasks.publish import PartitionLoad
from tasks.settings import Settings
from tasks.validate import rule_counts
from tasks.young_persons import tasks as yps
from tasks.young_persons.checks import quarantine_rows
from tasks.young_persons.read import WaveFile
from tasks.young_persons.schema import CURATED_SCHEMA, FEED, QUARANTINE_SCHEMA


def prepare_wave(wave: WaveFile, authorities, settings: Settings,
                 run_id: str) -> tuple[FileOutcome, list[PartitionLoad] | None]:
    """One wave through every stage up to the lake; returns the warehouse loads that replace the wave."""
    outcome = FileOutcome(run_id, FEED, wave.wave, f"wave={wave.wave}", wave.file.name)
    try:
        landed = stages.land_file(wave.file, FEED, wave.wave, settings, run_id)
        outcome.source_sha256 = landed.sha256
        raw = yps.read_wave(landed.path, landed.source_name)
        outcome.rows_in = raw.num_rows
        good, bad, raw_result = yps.validate_raw(raw, wave.wave, wave.file.name,
                                                 authorities["authority_name"].to_pylist())
        outcome.raw_suite_success = raw_result.success
        outcome.warnings += raw_result.warnings
        curated = yps.conform_wave(good, authorities, wave.wave, landed.sha256, run_id)
        result = yps.validate_curated(curated, wave.wave, wave.file.name)
        outcome.curated_suite_success = result.success
        outcome.warnings += result.warnings
        quarantined = quarantine_rows(bad, wave.wave, landed.sha256, run_id)
        outcome.rows_curated, outcome.rows_quarantined = curated.num_rows, quarantined.num_rows
        outcome.quarantine_by_rule = rule_counts(quarantined)
        keys = {"wave": wave.wave}
        return outcome, [
            PartitionLoad("fact_young_persons_response", CURATED_SCHEMA.names, curated.num_rows, {"wave": wave.wave},
                          parquet=stages.write_lake(curated, settings, "curated", FEED, keys, ("wave",))),
            PartitionLoad("quarantine_young_persons_response", QUARANTINE_SCHEMA.names, quarantined.num_rows,
                          {"file_wave": wave.wave},
                          parquet=stages.write_lake(quarantined, settings, "quarantine", FEED, keys, ("file_wave",))),
        ]
    except (FileRejected, SourceError) as exc:
        return rejected(settings, outcome, exc)


@flow(name="ingest_trading_standards", log_prints=True)
def ingest_trading_standards(
    source: str | None = None,
    force: str = "lancashire",
    workdir: str | None = None,
    lake_dir: str | None = None,
    warehouse_url: str | None = None,
    rebuild_marts: bool = True,
) -> dict:
    """Load Trading Standards Young Persons Survey waves, ts_young_persons_survey_YYYY-YY.csv.

    source: a folder (any depth), one file or a .zip of wave files (required).
        Each wave loaded replaces that wave.
    force: the police.uk slug of the partnership's force, whose authorities the districts must be.
    """
    source = require_source(source, "source", "a folder, file or .zip of ts_young_persons_survey_YYYY-YY.csv waves")
    settings, run_id, report = start_feed_run(FEED, workdir, lake_dir, warehouse_url)
    try:
        waves = yps.find_waves(source)
        if not waves:
            raise SourceError(f"no ts_young_persons_survey_YYYY-YY.csv in {source}")
        authorities = force_authorities(load_dim_geography(settings), force)
    except (SourceError, FileNotFoundError, LookupError) as exc:
        report.error = str(exc)
        return finish(report, settings, source=str(source))
    publish_each(waves, lambda w: prepare_wave(w, authorities, settings, run_id), settings, report)
    return finish_feed(report, settings, rebuild_marts)
