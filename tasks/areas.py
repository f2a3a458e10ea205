"""The partnership's areas from dim_geography: its wards and its authorities, for the feeds that name them."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

# The two-tier county's districts (Lancashire-12), as against the unitary authorities.
TWO_TIER_DISTRICT = "non-metropolitan district"


def _of_force(dim: pa.Table, force: str, columns: list[str], what: str) -> pa.Table:
    rows = dim.filter(pc.equal(dim["force"], force)).select(columns)
    if rows.num_rows == 0:
        raise LookupError(f"force {force!r} has no {what} in dim_geography: load its geography (csp-pipeline ingest reference)")
    return rows.group_by(columns).aggregate([])


def force_wards(dim: pa.Table, force: str) -> pa.Table:
    """One row per ward of the force's area: ward, authority and BCU (dim_geography is per LSOA)."""
    columns = ["ward_code", "ward_name", "authority_code", "authority_name", "bcu"]
    return _of_force(dim, force, columns, "wards").sort_by("ward_code")


def force_authorities(dim: pa.Table, force: str) -> pa.Table:
    """One row per authority of the force's area: code, name, BCU and whether it is a two-tier district."""
    rows = _of_force(dim, force, ["authority_code", "authority_name", "authority_type", "bcu"], "authorities")
    return pa.table({"authority_code": rows["authority_code"], "authority_name": rows["authority_name"],
                     "bcu": rows["bcu"], "is_lancashire_12": pc.equal(rows["authority_type"], TWO_TIER_DISTRICT),
                     }).sort_by("authority_name")
