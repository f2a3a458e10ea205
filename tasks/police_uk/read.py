"""Find street files in a source and read one into Arrow with the declared schema."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pyarrow as pa

from tasks.csv_read import read_csv_rows
from tasks.feed import Unit, find_month_files
from tasks.police_uk.schema import RAW_SCHEMA
from tasks.sources import Source

STREET_FILE = re.compile(r"^(?P<month>\d{4}-\d{2})-(?P<force>[a-z0-9-]+)-street\.csv$")


def find_street_files(source: Source, force: str | None, months: tuple[dt.date, dt.date] | None) -> list[Unit]:
    """Every `YYYY-MM-<force>-street.csv` in the source for the force and months asked for."""
    return find_month_files(source, STREET_FILE, force, months)


def read_street(path: Path, source_name: str) -> tuple[pa.Table, pa.Table]:
    """A landed street file -> (Arrow rows of the declared schema plus `source_row`, their 1-based
    data row number; the rows with the wrong number of fields or a number that does not parse)."""
    return read_csv_rows(path, RAW_SCHEMA, source_name)
