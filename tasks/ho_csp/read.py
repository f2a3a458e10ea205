"""Read the Home Office CSP tables, old and new layouts, into Arrow batches of one financial year each.

Current releases: Financial Year, Financial Quarter, Force Name, CSP Name, Offence Description,
Offence Group, Offence Subgroup, Offence Code, Number of Offences. Older ones name the count
`Offence Count` and may have no Financial Quarter. Workbooks hold one sheet per financial year
(`2018_19`); CSV files hold any years. Everything is read as text; the raw suite checks it.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from tasks.errors import FileRejected

FEED = "ho_csp"
COLUMNS = {  # published name -> canonical name
    "Financial Year": "financial_year", "Financial Quarter": "financial_quarter", "Force Name": "force_name",
    "CSP Name": "csp_name", "Offence Description": "offence_description", "Offence Group": "offence_group",
    "Offence Subgroup": "offence_subgroup", "Offence Code": "offence_code", "Number of Offences": "offences",
}
COUNT_ALIASES = {"Offence Count": "offences"}
OPTIONAL = {"Financial Quarter"}
CANONICAL = list(COLUMNS.values())
SHEET = re.compile(r"^\d{4}_\d{2}$")


@dataclass(frozen=True)
class YearBatch:
    """The rows of one sheet (or one file) with where they came from."""

    part: str  # the sheet name, or 'csv'
    table: pa.Table  # canonical columns as text, plus source_row


def canonical_header(header: list[str], source: str) -> dict[int, str]:
    """Column position -> canonical name, or the file is rejected naming what is missing or unexpected."""
    names = {**COLUMNS, **COUNT_ALIASES}
    unexpected = [h for h in header if h not in names]
    mapped = {i: names[h] for i, h in enumerate(header) if h in names}
    missing = [h for h, c in COLUMNS.items() if c not in mapped.values() and h not in OPTIONAL]
    if missing or unexpected:
        parts = ([f"missing columns {missing}"] if missing else []) + ([f"unexpected columns {unexpected}"] if unexpected else [])
        raise FileRejected(source, "header does not match the Home Office CSP layout: " + "; ".join(parts))
    return mapped


def to_table(header: list[str], rows: list[list], source: str) -> pa.Table:
    """Rows as published -> canonical text columns (a missing quarter column is all nulls) + source_row."""
    mapped = canonical_header([str(h).strip() if h is not None else "" for h in header], source)
    columns = {c: [None] * len(rows) for c in CANONICAL}
    for i, name in mapped.items():
        columns[name] = [_text(r[i]) if i < len(r) else None for r in rows]
    table = pa.table({c: pa.array(columns[c], pa.string()) for c in CANONICAL})
    return table.append_column("source_row", pa.array(np.arange(1, len(rows) + 1, dtype=np.int32)))


def _text(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_ho_file(path: Path, source: str) -> list[YearBatch]:
    """A workbook's year sheets, or a CSV file, as canonical text batches."""
    if Path(source.split("!")[-1]).suffix.lower() == ".xlsx":
        return _read_workbook(path, source)
    text = Path(path).read_bytes().decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text)))
    return [YearBatch("csv", to_table(header, rows, source))]


def _read_workbook(path: Path, source: str) -> list[YearBatch]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a broken workbook
        raise FileRejected(source, f"not a readable xlsx workbook: {exc}") from exc
    batches = []
    try:
        for sheet in book.worksheets:
            if not SHEET.match(sheet.title):
                continue  # notes, contents and chart sheets
            rows = [list(r) for r in sheet.iter_rows(values_only=True)]
            rows = [r for r in rows if any(v not in (None, "") for v in r)]
            if rows:
                batches.append(YearBatch(sheet.title, to_table(rows[0], rows[1:], f"{source}[{sheet.title}]")))
    finally:
        book.close()
    if not batches:
        raise FileRejected(source, "no sheet named like a financial year (e.g. 2018_19)")
    return batches
