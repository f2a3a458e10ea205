"""Prefect task wrappers of the police.uk street stages that are its own (the shared ones are in tasks.stages)."""

from __future__ import annotations

from pathlib import Path

from prefect import task

from tasks.feed import MonthFile
from tasks.periods import parse_month_range
from tasks.police_uk import read
from tasks.sources import open_source
from tasks.stages import IO_RETRIES


@task(name="find-street-files", **IO_RETRIES)
def find_street_files(source: str, force: str | None, months: str | None) -> list[MonthFile]:
    """The street files in the source for the force and months."""
    return read.find_street_files(open_source(Path(source)), force, parse_month_range(months))
