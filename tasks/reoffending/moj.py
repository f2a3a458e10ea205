"""Read the MoJ proven reoffending tables in their three published layouts, recognised by header.

- overview CSV: cohort, adult_juvenile, category ("a. Ethnicity and sex"), subcategory1,
  subcategory2, offenders, reoffenders, reoffences (national breakdowns);
- geographical data tool (xlsx sheet `Data`, or CSV): Category ("total", "UTLA total", ...),
  Adult / Juvenile, Geography (local authority), Cohort ("Jan 20 to Mar 20"), offenders,
  reoffenders, reoffences;
- the national series reshaped by a third party: measure, temporal_unit, date, group, rate,
  value (one published figure a row).
Everything is read as text with its source row; the raw suites check it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from tasks.errors import FileRejected

FEED = "moj_reoffending"
LAYOUTS = {
    "overview": ["cohort", "adult_juvenile", "category", "subcategory1", "subcategory2", "offenders", "reoffenders",
                 "reoffences"],
    "geographic": ["Category", "Adult / Juvenile", "Geography", "Cohort", "offenders", "reoffenders", "reoffences"],
    "series": ["measure", "temporal_unit", "date", "group", "rate", "value"],
}
RENAME = {"Category": "category", "Adult / Juvenile": "adult_juvenile", "Geography": "geography", "Cohort": "cohort"}
TABLE_COLUMNS = ["cohort", "adult_juvenile", "category", "subcategory1", "subcategory2", "geography",
                 "offenders", "reoffenders", "reoffences"]
SERIES_COLUMNS = LAYOUTS["series"]
DATA_SHEET = "Data"


@dataclass(frozen=True)
class MojBatch:
    """One file's rows in its layout's canonical text columns, plus source_row."""

    layout: str
    table: pa.Table


def recognise(header: list[str], source: str) -> str:
    """The layout whose header this is, or the file is rejected naming the nearest layout's differences."""
    tidy = [h.strip() for h in header]
    for name, columns in LAYOUTS.items():
        if tidy == columns or sorted(tidy) == sorted(columns):
            return name
    nearest = max(LAYOUTS, key=lambda n: len(set(LAYOUTS[n]) & set(tidy)))
    missing = [c for c in LAYOUTS[nearest] if c not in tidy]
    unexpected = [c for c in tidy if c not in LAYOUTS[nearest]]
    raise FileRejected(source, f"header matches no MoJ reoffending layout; nearest is {nearest}: "
                               f"missing columns {missing}; unexpected columns {unexpected}")


def _text(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def to_batch(header: list, rows: list[list], source: str) -> MojBatch:
    """Published rows -> the layout's canonical text columns (absent ones null) + source_row."""
    names = [str(h).strip() if h is not None else "" for h in header]
    layout = recognise(names, source)
    position = {RENAME.get(n, n): i for i, n in enumerate(names)}
    wanted = SERIES_COLUMNS if layout == "series" else TABLE_COLUMNS
    columns = {c: pa.array([_text(r[position[c]]) if c in position and position[c] < len(r) else None for r in rows],
                           pa.string()) for c in wanted}
    table = pa.table(columns).append_column("source_row", pa.array(np.arange(1, len(rows) + 1, dtype=np.int32)))
    return MojBatch(layout, table)


def read_moj_file(path: Path, source: str) -> MojBatch:
    """A landed CSV or xlsx (sheet Data) as a canonical text batch."""
    if Path(source.split("!")[-1]).suffix.lower() == ".xlsx":
        header, rows = _read_data_sheet(path, source)
    else:
        try:
            text = Path(path).read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FileRejected(source, f"not UTF-8 text: {exc}") from exc
        parsed = list(csv.reader(io.StringIO(text)))
        if not parsed:
            raise FileRejected(source, "empty file: no header row")
        header, rows = parsed[0], [r for r in parsed[1:] if any(v.strip() for v in r)]
    return to_batch(header, rows, source)


def _read_data_sheet(path: Path, source: str) -> tuple[list, list[list]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a broken workbook
        raise FileRejected(source, f"not a readable xlsx workbook: {exc}") from exc
    try:
        if DATA_SHEET not in book.sheetnames:
            raise FileRejected(source, f"no sheet named {DATA_SHEET!r} (sheets: {book.sheetnames})")
        rows = [list(r) for r in book[DATA_SHEET].iter_rows(values_only=True)]
    finally:
        book.close()
    rows = [r for r in rows if any(v not in (None, "") for v in r)]
    if not rows:
        raise FileRejected(source, f"sheet {DATA_SHEET!r} is empty")
    return rows[0], rows[1:]
