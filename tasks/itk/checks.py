"""The ITK suites applied to an export: reject it, or split its rows into good and quarantined."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tasks.itk.schema import AGE_BANDS, ISSUE_COLUMNS, ISSUE_VALUES, QUARANTINE_SCHEMA
from tasks.pseudonym import postcode_district, pseudonymise
from tasks.validate import SuiteOutcome, check_or_reject, split_rows

DATASET = "itk_response"
# Columns the checks derive from the raw ones; personal data never goes into a check's report.
DERIVED = ["ward_district", "postcode_recognised", "issues_distinct"]


def area_parameters(wards: pa.Table) -> dict:
    """The suite's parameters about the partnership's area, from its wards (ward_code, authority_name)."""
    return {
        "wards": sorted(set(wards["ward_code"].to_pylist())),
        "districts": sorted(set(wards["authority_name"].to_pylist())),
        "ward_districts": sorted({f"{w}|{d}" for w, d in zip(wards["ward_code"].to_pylist(),
                                                              wards["authority_name"].to_pylist())}),
    }


def issues_distinct(table: pa.Table) -> pa.Array:
    """True where no issue is named twice in the row (GX's within-record check is row-by-row: 100x slower)."""
    repeated = pa.array(np.zeros(table.num_rows, dtype=bool))
    for i, a in enumerate(ISSUE_COLUMNS):
        for b in ISSUE_COLUMNS[i + 1:]:
            repeated = pc.or_(repeated, pc.fill_null(pc.equal(table[a], table[b]), False))
    return pc.invert(repeated)


def with_check_columns(table: pa.Table) -> pa.Table:
    """The raw rows plus the derived columns the suite checks (pairs, recognition, repeats)."""
    pair = pc.binary_join_element_wise(table["ward_code"], table["district"], "|")
    recognised = pc.or_(pc.is_null(table["postcode"]), pc.is_valid(postcode_district(table["postcode"])))
    return (table.append_column("ward_district", pair).append_column("postcode_recognised", recognised)
                 .append_column("issues_distinct", issues_distinct(table)))


def check_raw(table: pa.Table, export_date: dt.date, source: str, area: dict) -> tuple[pa.Table, pa.Table, SuiteOutcome]:
    """Raw suite: reject the export, or split its rows into good and held back (with the rules broken)."""
    params = {**area, "issue_values": ISSUE_VALUES, "age_bands": AGE_BANDS}
    checked = with_check_columns(table)
    outcome = check_or_reject(checked, DATASET, "raw", params, source)
    good, bad = split_rows(checked, outcome.row_failures)
    return good.drop_columns(DERIVED), bad.drop_columns(DERIVED), outcome


def check_curated(responses: pa.Table, issues: pa.Table, export_date: dt.date, source: str) -> list[SuiteOutcome]:
    """The curated suites on the rows about to be published; any failure rejects the export."""
    params = {"export_date": [export_date]}
    return [check_or_reject(responses, DATASET, "curated", params, source),
            check_or_reject(issues, "itk_response_issue", "curated", params, source)]


def quarantine_rows(bad: pa.Table, export_date: dt.date, key: bytes) -> pa.Table:
    """Held-back rows with the values read, the member pseudonymised and the postcode cut to its district."""
    n = bad.num_rows
    columns = {
        "export_date": pa.array([export_date] * n, pa.date32()),
        "response_id": bad["response_id"],
        "member_pseudonym": pseudonymise(bad["member_id"], key),
        "submitted_at": bad["submitted_at"],
        "updated_at": bad["updated_at"],
        "postcode_district": postcode_district(bad["postcode"]),
        **{c: bad[c] for c in ["ward_code", "ward_name", "district", *ISSUE_COLUMNS, "age_band"]},
        "source_row": bad["source_row"],
        "rule": bad["rule"],
    }
    return pa.table(columns).cast(QUARANTINE_SCHEMA)
