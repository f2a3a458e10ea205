"""Prefect task wrappers of the police.uk street stages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.landing import LandedFile
from tasks.periods import parse_month_range
from tasks.police_uk import checks, conform, read
from tasks.sources import open_source
from tasks.stages import IO_RETRIES
from tasks.validate import SuiteOutcome

PURE = dict(cache_policy=NO_CACHE)


@task(name="find-street-files", **IO_RETRIES)
def find_street_files(source: str, force: str | None, months: str | None) -> list[read.StreetFile]:
    """The street files in the source for the force and months."""
    return read.find_street_files(open_source(Path(source)), force, parse_month_range(months))


@task(name="read-street", **PURE)
def read_street(landed: LandedFile) -> pa.Table:
    """Landed bytes -> Arrow with the declared schema."""
    return read.read_street(landed.path, landed.source_name)


@task(name="validate-raw", **PURE)
def validate_raw(table: pa.Table, month: dt.date, source: str) -> tuple[pa.Table, pa.Table, SuiteOutcome]:
    """Raw suite: reject, or split good and quarantined rows."""
    return checks.check_raw(table, month, source)


@task(name="conform-street", **PURE)
def conform_street(good: pa.Table, dim: pa.Table, area: conform.ForceArea, month: dt.date, sha256: str, run_id: str) -> pa.Table:
    """Typed rows with geography and flags."""
    return conform.conform_street(good, dim, area, month, sha256, run_id)


@task(name="validate-curated", **PURE)
def validate_curated(curated: pa.Table, month: dt.date, source: str) -> SuiteOutcome:
    """Curated suite on the rows about to be published."""
    return checks.check_curated(curated, month, source)
