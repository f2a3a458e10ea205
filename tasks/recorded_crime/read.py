"""Find `recorded_crime_YYYY-MM.csv` extracts in a source and read one with the declared schema."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pyarrow as pa

from tasks.csv_read import read_csv
from tasks.feed import MonthFile, find_month_files
from tasks.recorded_crime.schema import HEADER, RAW_SCHEMA
from tasks.sources import Source

EXTRACT_FILE = re.compile(r"^recorded_crime_(?P<month>\d{4}-\d{2})\.csv$")


def find_extracts(source: Source, force: str, months: tuple[dt.date, dt.date] | None) -> list[MonthFile]:
    """The force's monthly extracts in the source (the file name carries no force: it is the sender's)."""
    return find_month_files(source, EXTRACT_FILE, None, months, default_force=force)


def read_extract(path: Path, source_name: str) -> pa.Table:
    """A landed extract -> Arrow (personal data and free text left unread) plus `source_row`."""
    table = read_csv(path, RAW_SCHEMA, source_name, header=HEADER)
    return table.append_column("source_row", pa.array(np.arange(1, table.num_rows + 1, dtype=np.int32)))
