"""Prefect task wrappers of the reoffending stages that are their own (the shared ones are in tasks.stages)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pyarrow as pa
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.reoffending import cohort, moj, moj_checks
from tasks.sources import SourceFile, open_source
from tasks.stages import IO_RETRIES
from tasks.validate import check_or_reject

MOJ_FILE = re.compile(r"\.(csv|xlsx)$", re.I)


@task(name="find-moj-tables", **IO_RETRIES)
def find_moj_files(source: str) -> list[SourceFile]:
    """Every .csv and .xlsx in the source."""
    return open_source(Path(source)).list_files(MOJ_FILE)


@task(name="read", cache_policy=NO_CACHE)
def read_moj(path: Path, source_name: str) -> moj.MojBatch:
    """A landed table -> canonical text columns of its layout."""
    return moj.read_moj_file(path, source_name)


@task(name="validate-raw", cache_policy=NO_CACHE)
def validate_moj(batch: moj.MojBatch, source: str):
    """The layout's raw suite: reject the file, or split good and quarantined rows."""
    if batch.layout == "series":
        return moj_checks.check_series(batch.table, source)
    return moj_checks.check_tables(batch.table, batch.layout, source)


@task(name="conform", cache_policy=NO_CACHE)
def conform_moj(good: pa.Table, layout: str, authorities: dict[str, str], sha256: str, run_id: str) -> pa.Table:
    """Curated rows of fact_moj_reoffending or fact_moj_reoffending_series."""
    if layout == "series":
        return moj_checks.conform_series(good, sha256, run_id)
    return moj_checks.conform_tables(good, layout, authorities, sha256, run_id)


@task(name="validate-curated", cache_policy=NO_CACHE)
def validate_moj_curated(curated: pa.Table, layout: str, source: str):
    """The curated suite of the layout's table; any failure rejects the file."""
    dataset = "moj_reoffending_series" if layout == "series" else "moj_reoffending"
    return check_or_reject(curated, dataset, "curated", {}, source)


@task(name="find-cohort-extracts", **IO_RETRIES)
def find_cohorts(source: str) -> list[cohort.CohortFile]:
    """The cohort extracts in the source, oldest first."""
    return cohort.find_cohort_files(open_source(Path(source)))


@task(name="read", cache_policy=NO_CACHE)
def read_cohort(path: Path, source_name: str) -> pa.Table:
    """Landed bytes -> Arrow with the declared schema."""
    return cohort.read_cohort(path, source_name)


@task(name="validate-raw", cache_policy=NO_CACHE)
def validate_cohort(table: pa.Table, cohort_start: dt.date, source: str, districts: list[str]):
    """Raw suite: reject the extract, or split good and quarantined rows."""
    return cohort.check_raw(table, cohort_start, source, districts)


@task(name="conform", cache_policy=NO_CACHE)
def conform_cohort(good: pa.Table, authorities: pa.Table, cohort_start: dt.date, sha256: str, run_id: str):
    """Offenders and their listed reoffence groups."""
    return cohort.conform_cohort(good, authorities, cohort_start, sha256, run_id)


@task(name="validate-curated", cache_policy=NO_CACHE)
def validate_cohort_curated(offenders: pa.Table, source: str):
    """Curated suite on the offenders about to be published; any failure rejects the extract."""
    return check_or_reject(offenders, "reoffending_cohort", "curated", {}, source)
