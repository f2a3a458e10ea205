"""Prefect task wrappers of the young persons survey stages that are its own (the shared ones are in tasks.stages)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.sources import open_source
from tasks.stages import IO_RETRIES
from tasks.young_persons import checks, conform, read


@task(name="find-survey-waves", **IO_RETRIES)
def find_waves(source: str) -> list[read.WaveFile]:
    """The wave files in the source, oldest first."""
    return read.find_waves(open_source(Path(source)))


@task(name="read", cache_policy=NO_CACHE)
def read_wave(path: Path, source_name: str) -> pa.Table:
    """Landed bytes -> Arrow with the declared schema."""
    return read.read_wave(path, source_name)


@task(name="validate-raw", cache_policy=NO_CACHE)
def validate_raw(table: pa.Table, wave: str, source: str, districts: list[str]):
    """Raw suite: reject the wave, or split good and quarantined rows."""
    return checks.check_raw(table, wave, source, districts)


@task(name="conform", cache_policy=NO_CACHE)
def conform_wave(good: pa.Table, authorities: pa.Table, wave: str, sha256: str, run_id: str) -> pa.Table:
    """Typed rows of fact_young_persons_response."""
    return conform.conform_wave(good, authorities, wave, sha256, run_id)


@task(name="validate-curated", cache_policy=NO_CACHE)
def validate_curated(curated: pa.Table, wave: str, source: str):
    """Curated suite on the rows about to be published; any failure rejects the wave."""
    return checks.check_curated(curated, wave, source)
