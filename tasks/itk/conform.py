"""Validated ITK rows -> curated responses and their ranked issues; personal data replaced or dropped."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tasks.itk.schema import ISSUE_COLUMNS, ISSUE_SCHEMA, PRIORITY_POINTS, RESPONSE_SCHEMA
from tasks.pseudonym import postcode_district, pseudonymise


def conform_responses(good: pa.Table, wards: pa.Table, export_date: dt.date,
                      key: bytes) -> pa.Table:
    """One curated row per response version: pseudonym, district, the ward's authority and BCU."""
    n = good.num_rows
    joined = good.select(["ward_code"]).append_column("row", pa.array(np.arange(n))).join(
        wards, "ward_code", join_type="left outer").sort_by("row")
    named = sum(pc.is_valid(good[c]).cast(pa.int8()).to_numpy(zero_copy_only=False) for c in ISSUE_COLUMNS)
    columns = {
        "export_date": pa.array([export_date] * n, pa.date32()),
        "response_id": good["response_id"],
        "member_pseudonym": pseudonymise(good["member_id"], key),
        "submitted_at": good["submitted_ts"],
        "updated_at": good["updated_ts"],
        "postcode_district": postcode_district(good["postcode"]),
        "ward_code": good["ward_code"],
        "ward_name": joined["ward_name"],
        "authority_code": joined["authority_code"],
        "authority_name": joined["authority_name"],
        "bcu": joined["bcu"],
        "age_band": good["age_band"],
        "issues_named": pa.array(np.asarray(named, dtype=np.int8) if n else np.zeros(0, np.int8)),
        "source_row": good["source_row"],
    }
    return pa.table(columns).cast(RESPONSE_SCHEMA)


def conform_issues(good: pa.Table, export_date: dt.date) -> pa.Table:
    """One curated row per issue named, split into category and detail, with its priority points."""
    parts = []
    for rank, column in enumerate(ISSUE_COLUMNS, start=1):
        named = good.filter(pc.is_valid(good[column]))
        split = pc.split_pattern(named[column], ": ", max_splits=1)
        m = named.num_rows
        parts.append(pa.table({
            "export_date": pa.array([export_date] * m, pa.date32()),
            "response_id": named["response_id"],
            "updated_at": named["updated_ts"],
            "issue_rank": pa.array(np.full(m, rank, np.int8)),
            "issue_category": pc.list_element(split, 0),
            "issue_detail": pc.list_element(split, 1),
            "priority_points": pa.array(np.full(m, PRIORITY_POINTS[rank], np.int8)),
        }).cast(ISSUE_SCHEMA))
    return pa.concat_tables(parts).sort_by([("response_id", "ascending"), ("updated_at", "ascending"),
                                            ("issue_rank", "ascending")])
