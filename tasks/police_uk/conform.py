"""Conform validated street rows: typed month, geography, flags and numbered repeats of a Crime ID.

Repeated Crime IDs (about 1.4% of crime rows; mostly identical rows, the rest differing only in
outcome) are all kept, as police.uk publishes them: `crime_id_occurrence` numbers the rows of an
ID in file order and `crime_id_repeats` says how many there are. Counting distinct crimes is
`where is_asb or crime_id_occurrence = 1`; counting published rows, as police.uk does, is all rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tasks.police_uk.schema import ASB, CURATED_SCHEMA

GEOGRAPHY = ["ward_code", "ward_name", "authority_code", "authority_name"]


@dataclass(frozen=True)
class ForceArea:
    """A police force: its police.uk slug and its ONS police force area."""

    force: str
    code: str
    name: str


def force_area(dim: pa.Table, force: str) -> ForceArea:
    """The force's ONS area from dim_geography; a force with no geography loaded is an error."""
    rows = dim.filter(pc.equal(dim["force"], force))
    if rows.num_rows == 0:
        raise LookupError(
            f"force {force!r} has no LSOAs in dim_geography: load its geography (csp-pipeline ingest reference)"
        )
    return ForceArea(force, rows["force_area_code"][0].as_py(), rows["force_area_name"][0].as_py())


def occurrences(ids: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """For each row: its 1-based occurrence of its id in row order, and how many rows share the id."""
    codes = pc.dictionary_encode(ids).combine_chunks().indices.to_numpy(zero_copy_only=False)
    n = len(codes)
    order = np.argsort(codes, kind="stable")  # stable: rows of one id stay in file order
    sorted_codes = codes[order]
    starts = np.ones(n, dtype=bool)
    starts[1:] = sorted_codes[1:] != sorted_codes[:-1]
    positions = np.arange(n)
    first = np.maximum.accumulate(np.where(starts, positions, 0))
    occurrence = np.empty(n, dtype=np.int32)
    occurrence[order] = positions - first + 1
    repeats = np.bincount(codes).astype(np.int32)[codes] if n else np.zeros(0, np.int32)
    return occurrence, repeats


def conform_street(
    good: pa.Table, dim: pa.Table, area: ForceArea, month: dt.date
) -> pa.Table:
    """Validated raw rows -> fact_street_crime rows, one for one, in file order."""
    n = good.num_rows
    crime_id = good["Crime ID"]
    has_id = pc.is_valid(crime_id)
    occurrence, repeats = occurrences(pc.fill_null(crime_id, ""))
    lsoa = good["LSOA code"]
    where = pc.index_in(lsoa, value_set=dim["lsoa_code"])  # null where the LSOA is not in the dim
    geo = {c: dim[c].take(where) for c in GEOGRAPHY + ["force_area_code", "bcu"]}
    has_location = pc.is_valid(lsoa)
    in_force = pc.fill_null(pc.equal(geo["force_area_code"], area.code), False)
    columns = {
        "month": pa.array(np.full(n, np.datetime64(month, "D")), pa.date32()),
        "force": pa.nulls(n, pa.string()).fill_null(area.force),
        "force_area_code": pa.nulls(n, pa.string()).fill_null(area.code),
        "force_area_name": pa.nulls(n, pa.string()).fill_null(area.name),
        "crime_id": crime_id,
        "crime_id_occurrence": pc.if_else(has_id, pa.array(occurrence), None),
        "crime_id_repeats": pc.if_else(has_id, pa.array(repeats), None),
        "reported_by": good["Reported by"],
        "falls_within": good["Falls within"],
        "longitude": good["Longitude"],
        "latitude": good["Latitude"],
        "location": good["Location"],
        "lsoa_code": lsoa,
        "lsoa_name": good["LSOA name"],
        "crime_type": good["Crime type"],
        "last_outcome_category": good["Last outcome category"],
        "context": good["Context"],
        "is_asb": pc.fill_null(pc.equal(good["Crime type"], ASB), False),
        "has_location": has_location,
        "out_of_area": pc.and_(has_location, pc.invert(in_force)),
        **{c: geo[c] for c in GEOGRAPHY},
        "bcu": pc.if_else(in_force, geo["bcu"], None),
        "source_row": good["source_row"],
    }
    return pa.table(columns).cast(CURATED_SCHEMA)


def unknown_lsoas(curated: pa.Table) -> int:
    """Rows whose LSOA code is in no row of dim_geography (outside the vintage or slice loaded)."""
    unknown = pc.and_(pc.is_valid(curated["lsoa_code"]), pc.is_null(curated["authority_code"]))
    return pc.sum(unknown).as_py() or 0
