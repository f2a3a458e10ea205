"""Find ITK exports in a source and read one with the declared schema."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from tasks.csv_read import read_csv
from tasks.errors import SourceError
from tasks.itk.schema import HEADER, RAW_SCHEMA
from tasks.sources import Source, SourceFile

EXPORT_FILE = re.compile(r"^itk_lancashire_talking_(?P<date>\d{8})\.csv$")


@dataclass(frozen=True)
class ExportFile:
    """One cumulative export and the date in its name."""

    file: SourceFile
    export_date: dt.date


def find_exports(source: Source) -> list[ExportFile]:
    """Every export in the source, oldest first; two files of the same date are ambiguous."""
    found = []
    for f in source.list_files(EXPORT_FILE):
        stamp = EXPORT_FILE.search(Path(f.name.split("!")[-1]).name).group("date")
        try:
            found.append(ExportFile(f, dt.datetime.strptime(stamp, "%Y%m%d").date()))
        except ValueError as exc:
            raise SourceError(f"{f.name}: the export date {stamp} in its name is not a date") from exc
    found.sort(key=lambda e: (e.export_date, e.file.name))
    twice = [f"{a.file.name} and {b.file.name}" for a, b in zip(found, found[1:]) if a.export_date == b.export_date]
    if twice:
        raise SourceError(f"the source holds two exports of the same date ({'; '.join(twice)}): pass one")
    return found


def parse_timestamps(values: pa.ChunkedArray) -> pa.Array:
    """ISO 8601 text -> UTC timestamps (values without an offset are taken as UTC); null where unparsable."""
    parsed = pd.to_datetime(values.to_pandas(), format="ISO8601", utc=True, errors="coerce")
    return pa.array(parsed.dt.tz_localize(None), pa.timestamp("us"))


def read_export(path: Path, source_name: str) -> pa.Table:
    """A landed export -> Arrow (free text left unread), with `source_row` and the parsed timestamps."""
    table = read_csv(path, RAW_SCHEMA, source_name, header=HEADER)
    return (table.append_column("source_row", pa.array(np.arange(1, table.num_rows + 1, dtype=np.int32)))
                 .append_column("submitted_ts", parse_timestamps(table["submitted_at"]))
                 .append_column("updated_ts", parse_timestamps(table["updated_at"])))
