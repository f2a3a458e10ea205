"""The young persons suites applied to a wave: reject it, or split its rows into good and quarantined."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from tasks.validate import SuiteOutcome, check_or_reject, split_rows
from tasks.young_persons.read import wave_window
from tasks.young_persons.schema import (
    ALCOHOL_SOURCES,
    GENDERS,
    QUARANTINE_SCHEMA,
    RAW_SCHEMA,
    USE_STATUS,
    YES_NO,
    YES_NO_DONT_KNOW,
    YES_NO_PREFER,
)

DATASET = "young_persons_survey"
SOURCES = "|".join(ALCOHOL_SOURCES)


def wave_dates(wave: str) -> list[str]:
    """Every YYYY-MM-DD of the wave's school year."""
    first, last = wave_window(wave)
    return [(first + dt.timedelta(days=d)).isoformat() for d in range((last - first).days + 1)]


def check_raw(table: pa.Table, wave: str, source: str, districts: list[str]) -> tuple[pa.Table, pa.Table, SuiteOutcome]:
    """Raw suite: reject the wave, or split its rows into good and held back (with the rules broken)."""
    params = {
        "file_wave": [wave], "wave_dates": wave_dates(wave), "districts": districts, "genders": GENDERS,
        "yes_no": YES_NO, "yes_no_prefer": YES_NO_PREFER, "yes_no_dont_know": YES_NO_DONT_KNOW, "use_status": USE_STATUS,
        "alcohol_source_pattern": f"^({SOURCES})(;({SOURCES}))*$",
    }
    outcome = check_or_reject(table, DATASET, "raw", params, source)
    good, bad = split_rows(table, outcome.row_failures)
    return good, bad, outcome


def check_curated(curated: pa.Table, wave: str, source: str) -> SuiteOutcome:
    """The curated suite on the rows about to be published; any failure rejects the wave."""
    return check_or_reject(curated, DATASET, "curated", {"file_wave": [wave]}, source)


def quarantine_rows(bad: pa.Table, wave: str) -> pa.Table:
    """Held-back rows with the values read (never the free text), the rules and the file."""
    n = bad.num_rows
    columns = {
        "file_wave": pa.nulls(n, pa.string()).fill_null(wave),
        **{c: bad[c] for c in RAW_SCHEMA.names},
        "source_row": bad["source_row"],
        "rule": bad["rule"],
    }
    return pa.table(columns).cast(QUARANTINE_SCHEMA)
