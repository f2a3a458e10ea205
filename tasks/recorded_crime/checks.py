"""The recorded-crime suites applied to an extract: reject it, or split its rows into good and quarantined."""

from __future__ import annotations

import calendar
import datetime as dt

import pyarrow as pa

from tasks.recorded_crime.schema import FEED, QUARANTINE_SCHEMA, RAW_SCHEMA
from tasks.validate import SuiteOutcome, check_or_reject, split_rows


def month_dates(month: dt.date) -> list[str]:
    """Every date of the month as YYYY-MM-DD."""
    days = calendar.monthrange(month.year, month.month)[1]
    return [f"{month:%Y-%m}-{d:02d}" for d in range(1, days + 1)]


def make_check_raw(known_codes: list[str]):
    """The raw check, knowing the offence codes of the classification loaded."""

    def check_raw(table: pa.Table, month: dt.date, source: str) -> tuple[pa.Table, pa.Table, SuiteOutcome]:
        params = {"file_dates": month_dates(month), "known_offence_codes": known_codes}
        outcome = check_or_reject(table.select(RAW_SCHEMA.names), FEED, "raw", params, source)
        good, bad = split_rows(table, outcome.row_failures)
        return good, bad, outcome

    return check_raw


def check_curated(curated: pa.Table, month: dt.date, source: str) -> SuiteOutcome:
    """The curated suite on the rows about to be published; any failure rejects the file."""
    return check_or_reject(curated, FEED, "curated", {"file_month": [month]}, source)


def quarantine_rows(bad: pa.Table, force: str, month: dt.date) -> pa.Table:
    """Held-back rows with the values read (never the personal data), the rules and the file."""
    n = bad.num_rows
    columns = {
        "file_month": pa.array([month] * n, pa.date32()),
        "force": pa.nulls(n, pa.string()).fill_null(force),
        **{c: bad.column(c) for c in RAW_SCHEMA.names},
        "source_row": bad.column("source_row"),
        "rule": bad.column("rule"),
        "raw_text": bad.column("raw_text"),
    }
    return pa.table(columns).cast(QUARANTINE_SCHEMA)
