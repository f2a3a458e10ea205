"""Reference files through their raw suites, and their quarantined rows kept as JSON records."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from tasks.validate import SuiteOutcome, check_or_reject, split_rows


def check_reference(table: pa.Table, dataset: str, source: str) -> tuple[pa.Table, pa.Table, SuiteOutcome]:
    """Run the dataset's raw suite: reject the file, or split its rows."""
    numbered = table.append_column("source_row", pa.array(np.arange(1, table.num_rows + 1, dtype=np.int32)))
    outcome = check_or_reject(table, dataset, "raw", {}, source)
    good, bad = split_rows(numbered, outcome.row_failures)
    return good.drop_columns(["source_row"]), bad, outcome


def quarantine_records(bad: pa.Table, feed: str) -> pa.Table:
    """quarantine_reference rows: the original values as JSON, the rules and the file."""
    values = bad.drop_columns(["source_row", "rule"]).to_pylist()
    n = bad.num_rows
    return pa.table({
        "feed": pa.array([feed] * n, pa.string()),
        "source_row": bad.column("source_row"),
        "record": pa.array([json.dumps(v, sort_keys=True) for v in values], pa.string()),
        "rule": bad.column("rule"),
    })
