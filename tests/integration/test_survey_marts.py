"""The survey marts against answers worked out by hand on small fixtures, on DuckDB and PostgreSQL:
E9 community issues (shares, priority points, ranks, suppression under 10 responses) and E10
young persons indicators (denominators as the contract defines them, areas, genders, the change
from the previous wave, suppression under 10)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from tasks.itk.schema import ISSUE_SCHEMA, RESPONSE_SCHEMA
from tasks.young_persons.schema import ALCOHOL_SOURCES, CURATED_SCHEMA
from tests.conftest import query
from warehouse.engine import ensure_schema, open_engine
from warehouse.load import bulk_insert_arrow
from warehouse.marts import build_marts

LINEAGE = {"source_sha256": "e" * 64, "run_id": "r"}
WARDS = {  # ward -> (name, authority code, authority, bcu)
    "E05000001": ("Ward One", "E07000123", "Preston", "South"),
    "E05000002": ("Ward Two", "E07000123", "Preston", "South"),
    "E05000003": ("Ward Three", "E06000009", "Blackpool", "West"),
}


def load(url: str, tables: dict[str, tuple[pa.Schema, list[dict]]]) -> None:
    """Create the warehouse, the fixture's dim_geography and facts, and build the marts."""
    engine = open_engine(url)
    ensure_schema(engine)
    dim = [{"lsoa_code": f"E0100000{i}", "ward_code": w, "ward_name": n, "authority_code": c, "authority_name": a,
            "force_area_code": "E23000003", "force_area_name": "Lancashire", "force": "lancashire", "bcu": b,
            "authority_type": "unitary" if c.startswith("E06") else "non-metropolitan district",
            "geography_vintage": "test", **LINEAGE} for i, (w, (n, c, a, b)) in enumerate(WARDS.items())]
    with engine.begin() as conn:
        bulk_insert_arrow(conn, "dim_geography", pa.Table.from_pylist(dim), list(dim[0]))
        for table, (schema, rows) in tables.items():
            bulk_insert_arrow(conn, table, pa.Table.from_pylist(rows, schema=schema), schema.names)
    build_marts(engine)
    engine.dispose()


# ward, issues in rank order
RESPONSES = (
    [("E05000001", ["Road safety: Speeding"])] * 6
    + [("E05000001", ["Drugs: Drug dealing", "Road safety: Speeding"])] * 2
    + [("E05000001", ["Drugs: Drug dealing", "Road safety: Nuisance motorbikes", "Road safety: Speeding"])]
    + [("E05000001", ["Drugs: Drug dealing"])]
    + [("E05000002", ["Burglary: House burglary"])] * 2
    + [("E05000003", ["Drugs: Drug dealing", "Alcohol: Street drinking"])] * 3
)


def itk_tables() -> dict:
    responses, issues = [], []
    stamp = dt.datetime(2020, 1, 10, 12)
    for i, (ward, named) in enumerate(RESPONSES):
        name, code, authority, bcu = WARDS[ward]
        rid = f"LT{i:07d}"
        responses.append({"export_date": dt.date(2020, 1, 31), "response_id": rid, "member_pseudonym": "a" * 64,
                          "submitted_at": stamp, "updated_at": stamp, "postcode_district": "PR1", "ward_code": ward,
                          "ward_name": name, "authority_code": code, "authority_name": authority, "bcu": bcu,
                          "age_band": "25-34", "issues_named": len(named), "source_row": i + 1, **LINEAGE})
        for rank, issue in enumerate(named, start=1):
            category, detail = issue.split(": ")
            issues.append({"export_date": dt.date(2020, 1, 31), "response_id": rid, "updated_at": stamp,
                           "issue_rank": rank, "issue_category": category, "issue_detail": detail,
                           "priority_points": 6 - rank, **LINEAGE})
    return {"fact_itk_response": (RESPONSE_SCHEMA, responses), "fact_itk_response_issue": (ISSUE_SCHEMA, issues)}


def test_community_issues_match_a_hand_computed_answer(warehouse_url):
    load(warehouse_url, itk_tables())
    rows = query(warehouse_url, "select area_level, area_name, issue_category, issue_detail, responses, total_responses, "
                                "share, priority_score, rank, suppressed from mart_community_issues")
    got = {(r[0], r[1], r[2], r[3]): r[4:] for r in rows}
    assert len(rows) == 8 * 9  # 8 areas x (4 categories + 5 details named anywhere)
    # Ward One, 10 responses: road safety named by 9 (6x rank 1 = 30, 2x rank 2 = 8, motorbikes at rank 2 = 4)
    assert got[("ward", "Ward One", "Road safety", None)] == (9, 10, 0.9, 42, 1, False)
    assert got[("ward", "Ward One", "Drugs", None)] == (4, 10, 0.4, 20, 2, False)
    assert got[("ward", "Ward One", "Burglary", None)] == (0, 10, 0.0, 0, 3, False)
    assert got[("ward", "Ward One", "Alcohol", None)] == (0, 10, 0.0, 0, 3, False)
    assert got[("ward", "Ward One", "Road safety", "Speeding")] == (9, 10, 0.9, 41, 1, False)
    assert got[("ward", "Ward One", "Road safety", "Nuisance motorbikes")] == (1, 10, 0.1, 4, 3, False)
    # Preston (Ward One + Two, 12) and its BCU
    assert got[("authority", "Preston", "Burglary", None)] == (2, 12, pytest.approx(1 / 6), 10, 3, False)
    assert got[("bcu", "South", "Road safety", None)] == (9, 12, 0.75, 42, 1, False)
    # county, 15: drugs 7 (35 points), alcohol 3 at rank 2 (12)
    assert got[("county", "Lancashire", "Drugs", None)] == (7, 15, pytest.approx(7 / 15), 35, 2, False)
    assert got[("county", "Lancashire", "Alcohol", "Street drinking")] == (3, 15, 0.2, 12, 3, False)
    # fewer than 10 responses: every figure suppressed, never zero
    for area in [("ward", "Ward Two"), ("ward", "Ward Three"), ("authority", "Blackpool"), ("bcu", "West")]:
        cells = [v for k, v in got.items() if k[:2] == area]
        assert len(cells) == 9 and all(c == (None, None, None, None, None, True) for c in cells), area


def pupil(wave: str, authority: str, gender: str, **answers) -> dict:
    """A pupil who does nothing the survey asks about, unless told otherwise."""
    codes = {"Preston": "E07000123", "Blackpool": "E06000009"}
    row = {"wave": wave, "response_id": None, "completed_on": dt.date(int(wave[:4]), 11, 20), "school_urn": "119000",
           "authority_code": codes[authority], "authority_name": authority, "is_lancashire_12": authority == "Preston",
           "age": 15, "gender": gender, "drinks_alcohol": False, "units_per_week": None, "drinks_with_parents": None,
           **{flag: False for flag in ALCOHOL_SOURCES.values()}, "tried_to_buy_alcohol": False, "asked_for_id": None,
           "drinks_due_to_peer_pressure": False, "drinks_to_get_drunk": False, "worried_drink_spiked": False,
           "smoking_status": "Never tried", "vaping_status": "Never tried", "witnessed_knife_incident": "No",
           "purchased_knife": "No", "knife_crime_issue_where_live": "No", "worried_about_knives": False,
           "carried_knife": "No", "source_row": 1, **LINEAGE}
    return row | answers


def drinker(wave: str, authority: str, gender: str, **answers) -> dict:
    return pupil(wave, authority, gender, drinks_alcohol=True, drinks_with_parents=False, **answers)


def young_persons_rows() -> list[dict]:
    w = "2019-20"
    preston = (
        # 8 drinkers of 12 (3 of 6 girls, 5 of 6 boys), all giving units; 4 tried to buy: asked Yes, Yes, No, blank
        [drinker(w, "Preston", "Female", units_per_week=2.0, tried_to_buy_alcohol=True, asked_for_id=True),
         drinker(w, "Preston", "Female", units_per_week=4.0, tried_to_buy_alcohol=True, asked_for_id=True),
         drinker(w, "Preston", "Female", units_per_week=6.0, tried_to_buy_alcohol=True, asked_for_id=False),
         drinker(w, "Preston", "Male", units_per_week=8.0, tried_to_buy_alcohol=True),
         drinker(w, "Preston", "Male", units_per_week=10.0),
         drinker(w, "Preston", "Male", units_per_week=12.0),
         drinker(w, "Preston", "Male", units_per_week=1.0), drinker(w, "Preston", "Male", units_per_week=3.0)]
        + [pupil(w, "Preston", "Female", carried_knife="Yes", vaping_status="Smoke occasionally"),
           pupil(w, "Preston", "Female", carried_knife="Prefer not to say", vaping_status="Smoke occasionally"),
           pupil(w, "Preston", "Female", vaping_status="Smoke occasionally"),
           pupil(w, "Preston", "Male")]
    )
    blackpool = [drinker(w, "Blackpool", "Male", units_per_week=20.0) for _ in range(3)]
    earlier = [drinker("2017-18", "Preston", "Female") for _ in range(6)] + [pupil("2017-18", "Preston", "Male")
                                                                            for _ in range(4)]
    rows = preston + blackpool + earlier
    for i, row in enumerate(rows):
        row["response_id"] = f"YP-{i:04d}"
    return rows


def test_young_persons_indicators_match_a_hand_computed_answer(warehouse_url):
    load(warehouse_url, {"fact_young_persons_response": (CURATED_SCHEMA, young_persons_rows())})
    rows = query(warehouse_url, "select wave, area_level, area_name, gender, indicator, numerator, denominator, value, "
                                "previous_wave_value, change, suppressed from mart_young_persons_indicators")
    got = {r[:5]: r[5:] for r in rows}
    # 2 waves x (county, lancashire_12, Preston, Blackpool) x (All + 4 genders) x 16 indicators
    assert len(rows) == 2 * 4 * 5 * 16
    w = "2019-20"
    assert got[(w, "authority", "Preston", "All", "drinks_alcohol")] == (8, 12, pytest.approx(8 / 12),
                                                                        0.6, pytest.approx(8 / 12 - 0.6), False)
    assert got[(w, "lancashire_12", "Lancashire-12", "All", "drinks_alcohol")][:3] == (8, 12, pytest.approx(8 / 12))
    assert got[(w, "county", "Lancashire", "All", "drinks_alcohol")][:3] == (11, 15, pytest.approx(11 / 15))
    # mean units: Preston's 8 drinkers give 46 (under 10: suppressed); the county adds Blackpool's 3 x 20 -> 106 / 11
    assert got[(w, "authority", "Preston", "All", "mean_units_per_week")] == (None, None, None, None, None, True)
    assert got[(w, "county", "Lancashire", "All", "mean_units_per_week")] == (106, 11, pytest.approx(106 / 11),
                                                                             None, None, False)
    # asked for id: 2 of the 3 who tried to buy and answered -> suppressed (3 < 10)
    assert got[(w, "authority", "Preston", "All", "asked_for_id")][-1] is True
    # carried a knife: 1 Yes of 11 Yes + No (Prefer not to say left out)
    assert got[(w, "authority", "Preston", "All", "carried_knife")][:3] == (1, 11, pytest.approx(1 / 11))
    assert got[(w, "authority", "Preston", "All", "vapes")][:3] == (3, 12, 0.25)
    # boys: Preston's 6 and Blackpool's 3 -> 9, suppressed even at county level
    assert got[(w, "county", "Lancashire", "Male", "drinks_alcohol")] == (None, None, None, None, None, True)
    # suppressed cells: six girls in Preston; nobody of gender Other; Blackpool's three
    for key in [(w, "authority", "Preston", "Female", "drinks_alcohol"), (w, "authority", "Preston", "Other", "vapes"),
                (w, "authority", "Blackpool", "All", "drinks_alcohol")]:
        assert got[key][:3] == (None, None, None) and got[key][4:] == (None, True), key
    # Preston's earlier wave: 6 of 10 drank, no wave before it
    assert got[("2017-18", "authority", "Preston", "All", "drinks_alcohol")] == (6, 10, 0.6, None, None, False)
