"""Conforming validated street rows: repeated Crime IDs numbered not dropped, ASB and location flags,
out-of-area LSOAs kept and flagged, BCU only inside the force."""

import datetime as dt

import pyarrow as pa

from tasks.police_uk.conform import ForceArea, conform_street, force_area
from tasks.police_uk.schema import CURATED_SCHEMA, RAW_SCHEMA

DIM = pa.table({
    "lsoa_code": ["E01012607", "E01006288"],
    "ward_code": ["E05001", "E05002"], "ward_name": ["Ward A", "Ward B"],
    "authority_code": ["E06000008", "E08000010"], "authority_name": ["Blackburn with Darwen", "Wigan"],
    "force_area_code": ["E23000003", "E23000005"], "force_area_name": ["Lancashire", "Greater Manchester"],
    "force": ["lancashire", "greater-manchester"], "bcu": ["East", "Wigan BCU"],
})
AREA = ForceArea("lancashire", "E23000003", "Lancashire")


def raw(rows):
    cols = {name: [r[i] for r in rows] for i, name in enumerate(RAW_SCHEMA.names)}
    table = pa.table(cols, schema=RAW_SCHEMA)
    return table.append_column("source_row", pa.array(range(1, len(rows) + 1), pa.int32()))


def row(crime_id, crime_type, lsoa, outcome=None):
    located = lsoa is not None
    return [crime_id, "2020-01", "Lancashire Constabulary", "Lancashire Constabulary",
            -2.4 if located else None, 53.7 if located else None,
            "On or near X" if located else "No Location", lsoa, None, crime_type, outcome, None]


def test_every_row_is_kept_with_flags_and_numbered_repeats():
    rows = [
        row("a" * 64, "Burglary", "E01012607", "Under investigation"),
        row(None, "Anti-social behaviour", "E01012607"),
        row("a" * 64, "Burglary", "E01012607", "Unable to prosecute suspect"),
        row("b" * 64, "Robbery", "E01006288", "Under investigation"),   # Wigan: out of area
        row("c" * 64, "Drugs", None, "Local resolution"),                # no location
        row("d" * 64, "Drugs", "W01000001", "Local resolution"),          # LSOA unknown to the dim
    ]
    out = conform_street(raw(rows), DIM, AREA, dt.date(2020, 1, 1))
    assert out.schema == CURATED_SCHEMA
    got = out.select(["crime_id_occurrence", "crime_id_repeats", "is_asb", "has_location", "out_of_area",
                      "authority_name", "bcu", "source_row"]).to_pylist()
    assert [tuple(r.values()) for r in got] == [
        (1, 2, False, True, False, "Blackburn with Darwen", "East", 1),
        (None, None, True, True, False, "Blackburn with Darwen", "East", 2),
        (2, 2, False, True, False, "Blackburn with Darwen", "East", 3),
        (1, 1, False, True, True, "Wigan", None, 4),
        (1, 1, False, False, False, None, None, 5),
        (1, 1, False, True, True, None, None, 6),
    ]
    assert set(out.column("month").to_pylist()) == {dt.date(2020, 1, 1)}
    assert set(out.column("force_area_name").to_pylist()) == {"Lancashire"}


def test_force_area_comes_from_the_dim_and_an_unknown_force_says_what_to_load():
    assert force_area(DIM, "lancashire") == AREA
    try:
        force_area(DIM, "kent")
    except LookupError as exc:
        assert "csp-pipeline ingest reference" in str(exc)
    else:
        raise AssertionError("an unknown force must be an error")
