"""The Home Office raw suite on one sheet (or CSV): reject it, or split good and quarantined rows."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from tasks.ho_csp.read import CANONICAL, FEED, SHEET
from tasks.validate import SuiteOutcome, check_or_reject, split_rows

QUARANTINE_SCHEMA = pa.schema([("period", pa.string()), *[(c, pa.string()) for c in CANONICAL], ("sheet", pa.string()),
                               ("source_row", pa.int32()), ("rule", pa.string())])


def sheet_years(part: str, table: pa.Table) -> list[str]:
    """The years a batch may hold: its sheet's year, or (CSV) any well-formed year in it."""
    if SHEET.match(part):
        return [part.replace("_", "/")]
    return sorted({y for y in table["financial_year"].drop_null().to_pylist()})


def check_ho(table: pa.Table, part: str, source: str) -> tuple[pa.Table, pa.Table, SuiteOutcome]:
    """Run the raw suite; file-level failures reject the sheet, row-level ones quarantine rows."""
    outcome = check_or_reject(table.select(CANONICAL), FEED, "raw", {"sheet_years": sheet_years(part, table)},
                              f"{source}[{part}]")
    good, bad = split_rows(table, outcome.row_failures)
    return good, bad, outcome


def quarantine_rows(bad: pa.Table, part: str) -> pa.Table:
    """Held-back rows as published; `period` is the sheet's year (CSV: the row's own year text)."""
    n = bad.num_rows
    period = (pa.nulls(n, pa.string()).fill_null(part.replace("_", "/")) if SHEET.match(part)
              else pc.fill_null(bad["financial_year"], "unknown"))
    columns = {"period": period, **{c: bad[c] for c in CANONICAL},
               "sheet": pa.nulls(n, pa.string()).fill_null(part), "source_row": bad["source_row"], "rule": bad["rule"]}
    return pa.table(columns).cast(QUARANTINE_SCHEMA)
