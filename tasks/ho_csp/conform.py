"""Conform Home Office CSP rows: typed counts and quarters, the CSP's authority, BCU and codes."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

CURATED_SCHEMA = pa.schema([
    ("financial_year", pa.string()),
    ("financial_quarter", pa.int16()),
    ("force_name", pa.string()),
    ("csp_name", pa.string()),
    ("csp_code", pa.string()),
    ("authority_code", pa.string()),
    ("authority_name", pa.string()),
    ("bcu", pa.string()),
    ("offence_code", pa.string()),
    ("offence_description", pa.string()),
    ("offence_group", pa.string()),
    ("offence_subgroup", pa.string()),
    ("offences", pa.int64()),
    ("is_negative", pa.bool_()),
    ("sheet", pa.string()),
    ("source_row", pa.int32()),
])


def csp_lookup(dim: pa.Table) -> pa.Table:
    """One row per CSP name with its code, and its authority and BCU where the CSP is one authority."""
    rows = {}
    for r in dim.select(["csp_name", "csp_code", "authority_code", "authority_name", "bcu"]).to_pylist():
        if r["csp_name"] is None:
            continue
        seen = rows.setdefault(r["csp_name"], r)
        if seen["authority_code"] != r["authority_code"]:
            rows[r["csp_name"]] = {**seen, "authority_code": None, "authority_name": None, "bcu": None}
    return pa.Table.from_pylist(list(rows.values()), schema=pa.schema(
        [(c, pa.string()) for c in ["csp_name", "csp_code", "authority_code", "authority_name", "bcu"]]))


def conform_ho(good: pa.Table, csps: pa.Table, sheet: str) -> pa.Table:
    """Validated text rows -> fact_ho_csp_crime rows, one for one."""
    n = good.num_rows
    at = pc.index_in(good["csp_name"], value_set=csps["csp_name"])
    offences = pc.cast(good["offences"], pa.int64())
    columns = {
        "financial_year": good["financial_year"],
        "financial_quarter": pc.cast(good["financial_quarter"], pa.int16()),
        "force_name": good["force_name"],
        "csp_name": good["csp_name"],
        **{c: csps[c].take(at) for c in ["csp_code", "authority_code", "authority_name", "bcu"]},
        "offence_code": good["offence_code"],
        "offence_description": good["offence_description"],
        "offence_group": good["offence_group"],
        "offence_subgroup": good["offence_subgroup"],
        "offences": offences,
        "is_negative": pc.less(offences, 0),
        "sheet": pa.nulls(n, pa.string()).fill_null(sheet),
        "source_row": good["source_row"],
    }
    return pa.table(columns).cast(CURATED_SCHEMA)
