"""The raw and curated suites applied to a street file: reject it, or split its rows into good and quarantined."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from tasks.periods import month_label
from tasks.police_uk.schema import FEED, QUARANTINE_SCHEMA, RAW_COLUMNS, SNAKE
from tasks.validate import SuiteOutcome, check_or_reject, split_rows


def check_raw(table: pa.Table, month: dt.date, source: str) -> tuple[pa.Table, pa.Table, SuiteOutcome]:
    """Run the raw suite; a file-level failure rejects the file, row-level failures go to quarantine."""
    outcome = check_or_reject(table.select(RAW_COLUMNS), FEED, "raw", {"file_month": [month_label(month)]}, source)
    good, bad = split_rows(table, outcome.row_failures)
    return good, bad, outcome


def check_curated(curated: pa.Table, month: dt.date, source: str) -> SuiteOutcome:
    """Run the curated suite on the rows about to be published; any failure rejects the file."""
    return check_or_reject(curated, FEED, "curated", {"file_month": [month]}, source)


def quarantine_rows(bad: pa.Table, force: str, month: dt.date) -> pa.Table:
    """Quarantined rows with their original values, the rules broken and where they came from."""
    n = bad.num_rows
    columns = {
        "file_month": pa.array([month] * n, pa.date32()),
        "force": pa.array([force] * n, pa.string()),
        **{SNAKE[c]: bad.column(c) for c in RAW_COLUMNS},
        "source_row": bad.column("source_row"),
        "rule": bad.column("rule"),
        "raw_text": bad.column("raw_text"),
    }
    return pa.table(columns).cast(QUARANTINE_SCHEMA)
