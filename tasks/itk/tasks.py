"""Prefect task wrappers of the ITK stages that are its own (the shared ones are in tasks.stages)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.itk import checks, conform, read
from tasks.pseudonym import pseudonym_key
from tasks.settings import Settings
from tasks.sources import open_source
from tasks.stages import IO_RETRIES


@task(name="find-itk-exports", **IO_RETRIES)
def find_exports(source: str) -> list[read.ExportFile]:
    """The exports in the source, oldest first."""
    return read.find_exports(open_source(Path(source)))


@task(name="read", cache_policy=NO_CACHE)
def read_export(path: Path, source_name: str) -> pa.Table:
    """Landed bytes -> Arrow with the declared schema."""
    return read.read_export(path, source_name)


@task(name="validate-raw", cache_policy=NO_CACHE)
def validate_raw(table: pa.Table, export_date: dt.date, source: str, area: dict):
    """Raw suite: reject the export, or split good and quarantined rows."""
    return checks.check_raw(table, export_date, source, area)


@task(name="conform", cache_policy=NO_CACHE)
def conform_export(good: pa.Table, bad: pa.Table, wards: pa.Table, export_date: dt.date, sha256: str, run_id: str,
                   settings: Settings) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Responses, issues and quarantined rows, with the member ids pseudonymised (the key stays in here)."""
    key = pseudonym_key(settings)
    return (conform.conform_responses(good, wards, export_date, sha256, run_id, key),
            conform.conform_issues(good, export_date, sha256, run_id),
            checks.quarantine_rows(bad, export_date, sha256, run_id, key))


@task(name="validate-curated", cache_policy=NO_CACHE)
def validate_curated(responses: pa.Table, issues: pa.Table, export_date: dt.date, source: str):
    """Curated suites on the rows about to be published; any failure rejects the export."""
    return checks.check_curated(responses, issues, export_date, source)
