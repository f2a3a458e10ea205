"""Conform validated extract rows: dates, flags, offence classification with its weight, geography,
and the serious violence definition applied from its rules (a reference table, not code)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tasks.police_uk.conform import ForceArea
from tasks.recorded_crime.schema import CURATED_SCHEMA, FLAGS

CLASSIFICATION = ["offence_description", "offence_group", "offence_subgroup", "police_uk_crime_type", "weight",
                  "weights_version"]
GEOGRAPHY = ["ward_code", "ward_name", "authority_code", "authority_name"]


def to_date(column) -> pa.Array:
    """'YYYY-MM-DD' text (already validated) -> date32, nulls kept."""
    return pc.cast(pc.strptime(column, format="%Y-%m-%d", unit="s"), pa.date32())


def serious_violence(table: dict, rules: pa.Table) -> tuple[np.ndarray, list[str | None]]:
    """Which rows are serious violence, and by which rules: a rule holds when all its non-empty conditions do."""
    n = len(table["ho_offence_code"])
    hit = np.zeros(n, dtype=bool)
    names: list[list[str]] = [[] for _ in range(n)]
    for rule in rules.to_pylist():
        mask = np.ones(n, dtype=bool)
        for field, column in (("offence_group", "offence_group"), ("offence_subgroup", "offence_subgroup"),
                              ("offence_code", "ho_offence_code")):
            if rule[field]:
                mask &= pc.fill_null(pc.equal(table[column], rule[field]), False).to_numpy(zero_copy_only=False)
        if rule["flag"]:
            mask &= pc.fill_null(table[FLAGS[rule["flag"]]], False).to_numpy(zero_copy_only=False)
        hit |= mask
        for i in np.flatnonzero(mask):
            if rule["rule_id"] not in names[i]:
                names[i].append(rule["rule_id"])
    return hit, [";".join(r) or None for r in names]


def conform_extract(good: pa.Table, dim: pa.Table, area: ForceArea, classification: pa.Table,
                    rules: pa.Table, month: dt.date) -> pa.Table:
    """Validated raw rows -> fact_recorded_crime rows, one for one, in file order."""
    n = good.num_rows
    where = pc.index_in(good["ho_offence_code"], value_set=classification["offence_code"])
    offence = {c: classification[c].take(where) for c in CLASSIFICATION}
    at = pc.index_in(good["lsoa_code"], value_set=dim["lsoa_code"])
    geo = {c: dim[c].take(at) for c in GEOGRAPHY + ["force_area_code", "bcu"]}
    has_location = pc.is_valid(good["lsoa_code"])
    in_force = pc.fill_null(pc.equal(geo["force_area_code"], area.code), False)
    columns = {
        "month": pa.array(np.full(n, np.datetime64(month, "D")), pa.date32()),
        "force": pa.nulls(n, pa.string()).fill_null(area.force),
        "crime_ref": good["crime_ref"],
        "recorded_date": to_date(good["recorded_date"]),
        "offence_date": to_date(good["offence_date"]),
        "ho_offence_code": good["ho_offence_code"],
        **offence,
        "lsoa_code": good["lsoa_code"],
        "has_location": has_location,
        "out_of_area": pc.and_(has_location, pc.invert(in_force)),
        **{c: geo[c] for c in GEOGRAPHY},
        "bcu": pc.if_else(in_force, geo["bcu"], None),
        "force_area_code": pa.nulls(n, pa.string()).fill_null(area.code),
        "force_area_name": pa.nulls(n, pa.string()).fill_null(area.name),
        **{curated: pc.equal(good[raw], "Y") for raw, curated in FLAGS.items()},
        "hate_crime_strand": good["hate_crime_strand"],
        "is_hate_crime": pc.is_valid(good["hate_crime_strand"]),
        "victim_age": pc.cast(good["victim_age"], pa.int16()),
        "victim_sex": good["victim_sex"],
        "suspect_age": pc.cast(good["suspect_age"], pa.int16()),
        "suspect_sex": good["suspect_sex"],
        "source_row": good["source_row"],
    }
    hit, names = serious_violence(columns, rules)
    columns["is_serious_violence"] = pa.array(hit)
    columns["serious_violence_rules"] = pa.array(names, pa.string())
    return pa.table({name: columns[name] for name in CURATED_SCHEMA.names}).cast(CURATED_SCHEMA)
