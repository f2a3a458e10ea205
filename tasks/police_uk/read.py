"""Find street files in a source and read one into Arrow with the declared schema."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from tasks.csv_read import read_csv
from tasks.periods import in_range, parse_month
from tasks.police_uk.schema import RAW_SCHEMA
from tasks.sources import Source, SourceFile

STREET_FILE = re.compile(r"^(?P<month>\d{4}-\d{2})-(?P<force>[a-z0-9-]+)-street\.csv$")


@dataclass(frozen=True)
class StreetFile:
    """A street file found in a source, with the month and force its name declares."""

    file: SourceFile
    month: dt.date
    force: str


def find_street_files(
    source: Source, force: str | None, months: tuple[dt.date, dt.date] | None
) -> list[StreetFile]:
    """Every `YYYY-MM-<force>-street.csv` in the source for the force and months asked for."""
    found = []
    for f in source.list_files(re.compile(r"-street\.csv$")):
        m = STREET_FILE.match(Path(f.name.split("!")[-1]).name)
        if not m:
            continue
        month = parse_month(m.group("month"))
        if (force is None or m.group("force") == force) and in_range(month, months):
            found.append(StreetFile(f, month, m.group("force")))
    return sorted(found, key=lambda s: (s.force, s.month))


def read_street(path: Path, source_name: str) -> pa.Table:
    """A landed street file -> Arrow (declared schema) plus `source_row`, its 1-based data row number."""
    table = read_csv(path, RAW_SCHEMA, source_name)
    return table.append_column("source_row", pa.array(np.arange(1, table.num_rows + 1, dtype=np.int32)))
