"""Validated survey rows -> curated responses: booleans, numbers, the district's authority code."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from tasks.young_persons.schema import ALCOHOL_SOURCES, CURATED_SCHEMA, TRI_STATE_COLUMNS, YES_NO_COLUMNS


def yes(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """'Yes' -> true, 'No' -> false, empty -> null."""
    return pc.equal(values, "Yes")


def has_source(sources: pa.ChunkedArray, value: str) -> pa.ChunkedArray:
    """True where the ;-separated list names the source ('Other' is not 'Other family'); false when empty."""
    wrapped = pc.binary_join_element_wise("", pc.fill_null(sources, ""), "", ";")
    return pc.match_substring(wrapped, f";{value};")


def conform_wave(good: pa.Table, authorities: pa.Table, wave: str) -> pa.Table:
    """One curated row per response."""
    index = pc.index_in(good["district"], value_set=authorities["authority_name"].combine_chunks())
    columns = {
        "wave": good["wave"],
        "response_id": good["response_id"],
        "completed_on": good["completed_on"].cast(pa.date32()),
        "school_urn": good["school_urn"],
        "authority_code": pc.take(authorities["authority_code"], index),
        "authority_name": good["district"],
        "is_lancashire_12": pc.take(authorities["is_lancashire_12"], index),
        "age": good["age"].cast(pa.int8()),
        "gender": good["gender"],
        "drinks_alcohol": yes(good["drinks_alcohol"]),
        "units_per_week": good["units_value"],
        "drinks_with_parents": yes(good["drinks_with_parents"]),
        **{flag: has_source(good["alcohol_source"], value) for value, flag in ALCOHOL_SOURCES.items()},
        **{c: yes(good[c]) for c in YES_NO_COLUMNS if c != "drinks_alcohol"},
        "asked_for_id": yes(good["asked_for_id"]),
        "smoking_status": good["smoking_status"],
        "vaping_status": good["vaping_status"],
        **{c: good[c] for c in TRI_STATE_COLUMNS},
        "source_row": good["source_row"],
    }
    return pa.table({name: columns[name] for name in CURATED_SCHEMA.names}).cast(CURATED_SCHEMA)
