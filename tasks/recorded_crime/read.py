"""Find `recorded_crime_YYYY-MM.csv` extracts in a source and read one with the declared schema."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pyarrow as pa

from tasks.csv_read import read_csv_rows
from tasks.feed import Unit, find_month_files
from tasks.recorded_crime.schema import HEADER, RAW_SCHEMA
from tasks.sources import Source

EXTRACT_FILE = re.compile(r"^recorded_crime_(?P<month>\d{4}-\d{2})\.csv$")


def find_extracts(source: Source, force: str, months: tuple[dt.date, dt.date] | None) -> list[Unit]:
    """The force's monthly extracts in the source (the file name carries no force: it is the sender's)."""
    return find_month_files(source, EXTRACT_FILE, None, months, default_force=force)


def read_extract(path: Path, source_name: str) -> tuple[pa.Table, pa.Table]:
    """A landed extract -> (Arrow rows, personal data and free text left unread, plus `source_row`;
    the rows with the wrong number of fields or a number that does not parse)."""
    return read_csv_rows(path, RAW_SCHEMA, source_name, header=HEADER)
