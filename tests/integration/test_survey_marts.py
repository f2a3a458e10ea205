"""The survey marts against answers worked out by hand on small fixtures, on DuckDB and PostgreSQL:
E9 community issues (shares, priority points, ranks, suppression under 10 responses) and E10
young persons indicators (denominators as the contract defines them, areas, genders, the change
from the previous wave, suppression under 10)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from scipy.stats import binomtest

from tasks.feed import loaded
from tasks.itk.schema import ISSUE_SCHEMA as _ISSUE_SCHEMA
from tasks.itk.schema import RESPONSE_SCHEMA as _RESPONSE_SCHEMA
from tasks.young_persons.schema import ALCOHOL_SOURCES
from tasks.young_persons.schema import CURATED_SCHEMA as _CURATED_SCHEMA
from tests.conftest import query
from tests.disclosure_attack import YPS_GENDERS as GENDERS
from tests.disclosure_attack import hierarchy_relations, linked_system, recovered, young_persons_relations
from warehouse.engine import ensure_schema, open_engine
from warehouse.load import bulk_insert_arrow
from warehouse.marts import build_marts

ISSUE_SCHEMA = loaded(_ISSUE_SCHEMA)  # as the warehouse holds it, with load_id
RESPONSE_SCHEMA = loaded(_RESPONSE_SCHEMA)  # as the warehouse holds it, with load_id
CURATED_SCHEMA = loaded(_CURATED_SCHEMA)  # as the warehouse holds it, with load_id

LINEAGE = {"load_id": 1}
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


# ward, issues in rank order: Ward Two is the adversary's target, 3 respondents in an authority of 40
RESPONSES = (
    [("E05000001", ["Road safety: Speeding"])] * 20
    + [("E05000001", ["Drugs: Drug dealing", "Road safety: Speeding"])] * 12
    + [("E05000001", ["Drugs: Drug dealing", "Road safety: Nuisance motorbikes", "Road safety: Speeding"])] * 5
    + [("E05000002", ["Burglary: House burglary"])] * 3
    + [("E05000003", ["Drugs: Drug dealing", "Alcohol: Street drinking"])] * 25
)
AREA_EDGES = [  # (child, parent): the breakdowns that add up
    (("ward", "E05000001"), ("authority", "E07000123")), (("ward", "E05000002"), ("authority", "E07000123")),
    (("ward", "E05000003"), ("authority", "E06000009")),
    (("authority", "E07000123"), ("bcu", "South")), (("authority", "E06000009"), ("bcu", "West")),
    (("authority", "E07000123"), ("county", "E23000003")), (("authority", "E06000009"), ("county", "E23000003")),
    (("bcu", "South"), ("county", "E23000003")), (("bcu", "West"), ("county", "E23000003")),
]


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


def community_cells(url: str) -> dict:
    rows = query(url, "select area_level, area_code, issue_category, issue_detail, responses, total_responses, share, "
                      "priority_score, rank, suppressed, suppression from mart_community_issues")
    return {((r[0], r[1]), (r[2], r[3])): r[4:] for r in rows}


def test_community_issues_match_a_hand_computed_answer(warehouse_url):
    load(warehouse_url, itk_tables())
    got = community_cells(warehouse_url)
    assert len(got) == 8 * 9  # 8 areas x (4 categories + 5 details named anywhere)
    preston, county, ward_one, ward_two = (("authority", "E07000123"), ("county", "E23000003"), ("ward", "E05000001"),
                                           ("ward", "E05000002"))
    # Preston, 40 responses: road safety named by 37 (20 x rank 1 = 100, 12 x rank 2 = 48, 5 at best rank 2 = 20)
    assert got[(preston, ("Road safety", None))] == (37, 40, pytest.approx(37 / 40), 168, 1, False, None)
    # the county, 65: drugs 42 (all at rank 1), road safety 37, alcohol 25; burglary's 3 are hidden and unranked
    assert got[(county, ("Drugs", None))] == (42, 65, pytest.approx(42 / 65), 210, 1, False, None)
    assert [got[(county, (c, None))][4] for c in ("Road safety", "Alcohol", "Burglary")] == [2, 3, None]
    # primary: every cell of Ward Two (3 respondents); cells of 1-9 anywhere (5 motorbike mentions, 3 burglaries)
    assert all(v[:5] == (None,) * 5 and v[5:] == (True, "primary") for k, v in got.items() if k[0] == ward_two)
    for area in (preston, ("bcu", "South"), county):
        assert got[(area, ("Burglary", None))][5:] == (True, "primary")
        assert got[(area, ("Road safety", "Nuisance motorbikes"))][5:] == (True, "primary")
    # secondary: Preston = Ward One + Ward Two, so Ward One (37) is hidden too, and its total with it
    assert got[(ward_one, ("Drugs", None))] == (None, None, None, None, None, True, "secondary")
    assert {k[0] for k, v in got.items() if v[1] is None} == {ward_one, ward_two}
    # Wilson 95% interval on a published share
    (lower, upper), = query(warehouse_url, "select share_lower, share_upper from mart_community_issues where "
                                           "area_code = 'E07000123' and issue_category = 'Road safety' and issue_detail is null")
    wilson = binomtest(37, 40).proportion_ci(method="wilson")
    assert (lower, upper) == (pytest.approx(wilson.low), pytest.approx(wilson.high))
    assert_nothing_recoverable(got)


def assert_nothing_recoverable(cells: dict, edges: list[tuple] = AREA_EDGES) -> None:
    """No hidden count or total follows from the published cells across the area hierarchy."""
    issues = {k[1] for k in cells}
    responses = {k: v[0] for k, v in cells.items()}
    assert recovered(responses, hierarchy_relations(set(cells), edges, issues)) == set()
    totals = {(area, "total"): v[1] for (area, _), v in cells.items()}
    assert recovered(totals, hierarchy_relations(set(totals), edges, {"total"})) == set()
    # the attack itself works: with only the primary cells hidden, Ward One's total gives Ward Two's away
    primary_only = {k: (None if k[0] == ("ward", "E05000002") else 1) for k in totals}
    if primary_only.keys() >= {(("ward", "E05000002"), "total"), (("ward", "E05000001"), "total")}:
        assert recovered(primary_only, hierarchy_relations(set(totals), edges, {"total"})) == {(("ward", "E05000002"), "total")}


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
    """Preston and Blackpool pupils in two waves; Preston's 2019-20 wave holds 2 pupils of gender Other."""
    counts = {  # (wave, authority, gender): (pupils, drinkers)
        ("2019-20", "Preston", "Female"): (25, 12), ("2019-20", "Preston", "Male"): (22, 11),
        ("2019-20", "Preston", "Other"): (2, 1),
        ("2019-20", "Blackpool", "Female"): (30, 15), ("2019-20", "Blackpool", "Male"): (30, 12),
        ("2017-18", "Preston", "Female"): (20, 12), ("2017-18", "Preston", "Male"): (20, 10),
    }
    rows = []
    for (wave, authority, gender), (pupils, drinkers) in counts.items():
        # 1-4 units a week, so a mean has a spread to test
        rows += [drinker(wave, authority, gender, units_per_week=float(1 + j % 4)) for j in range(drinkers)]
        rows += [pupil(wave, authority, gender) for _ in range(pupils - drinkers)]
    for i, row in enumerate(rows):
        row["response_id"] = f"YP-{i:04d}"
    return rows


AREAS = [("county", "Lancashire"), ("lancashire_12", "Lancashire-12"), ("authority", "Preston"), ("authority", "Blackpool")]


def pandas_cells(rows: list[dict]) -> dict:
    """drinks_alcohol (numerator, denominator) for every wave, area and gender, counted with pandas."""
    import pandas as pd

    frame = pd.DataFrame(rows)
    cells = {}
    for wave in frame["wave"].unique():
        for level, name in AREAS:
            area = frame[frame["wave"] == wave]
            if level == "lancashire_12":
                area = area[area["is_lancashire_12"]]
            elif level == "authority":
                area = area[area["authority_name"] == name]
            for gender in ["All"] + GENDERS:
                cell = area if gender == "All" else area[area["gender"] == gender]
                cells[(wave, level, name, gender)] = (int(cell["drinks_alcohol"].sum()), len(cell))
    return cells


def test_young_persons_indicators_match_a_hand_computed_answer(warehouse_url):
    from scipy.stats import chi2_contingency, ttest_1samp, ttest_ind

    rows_in = young_persons_rows()
    load(warehouse_url, {"fact_young_persons_response": (CURATED_SCHEMA, rows_in)})
    rows = query(warehouse_url, "select wave, area_level, area_name, gender, indicator, numerator, denominator, value, "
                                "previous_wave_value, change, change_p_value, suppressed, suppression, value_lower, value_upper "
                                "from mart_young_persons_indicators")
    got = {r[:5]: r[5:] for r in rows}
    # 2 waves x (county, lancashire_12, Preston, Blackpool) x (All + 4 genders) x 16 indicators
    assert len(rows) == 2 * 4 * 5 * 16
    expected = pandas_cells(rows_in)
    drinks = {k[:4]: v for k, v in got.items() if k[4] == "drinks_alcohol"}
    # primary: exactly the cells with 1-9 pupils or 1-9 drinkers
    primary = {k for k, (num, den) in expected.items() if 1 <= den <= 9 or 1 <= num <= 9}
    assert {k for k, v in drinks.items() if v[7] == "primary"} == primary
    assert ("2019-20", "authority", "Preston", "Other") in primary
    # the complement of Preston's 2 pupils of gender Other: the smallest other cell, its 22 boys, not 25 girls or all 49
    assert drinks[("2019-20", "authority", "Preston", "Male")][6:8] == (True, "secondary")
    assert drinks[("2019-20", "authority", "Preston", "Male")][:3] == (None, None, None)
    # every published figure equals the pandas count
    for key, (num, den, value, *_rest) in drinks.items():
        if value is not None:
            assert (num, den, value) == (expected[key][0], expected[key][1], pytest.approx(expected[key][0] / expected[key][1])), key
    # the county's change between waves: 51 of 109 against 22 of 40, with the two-proportion test
    county_now = drinks[("2019-20", "county", "Lancashire", "All")]
    assert county_now[:5] == (51, 109, pytest.approx(51 / 109), pytest.approx(22 / 40), pytest.approx(51 / 109 - 22 / 40))
    p_value = chi2_contingency([[51, 58], [22, 18]], correction=False).pvalue
    assert county_now[5] == pytest.approx(p_value)
    wilson = binomtest(51, 109).proportion_ci(method="wilson")
    assert county_now[8:] == (pytest.approx(wilson.low), pytest.approx(wilson.high))
    # a mean: Student's t interval and Welch's test between waves, as scipy computes them from the answers
    answers = {w: [r["units_per_week"] for r in rows_in if r["wave"] == w and r["drinks_alcohol"]] for w in ("2017-18", "2019-20")}
    units = got[("2019-20", "county", "Lancashire", "All", "mean_units_per_week")]
    assert units[:3] == (sum(answers["2019-20"]), 51, pytest.approx(sum(answers["2019-20"]) / 51))
    assert units[5] == pytest.approx(ttest_ind(answers["2019-20"], answers["2017-18"], equal_var=False).pvalue)
    interval = ttest_1samp(answers["2019-20"], 0).confidence_interval()
    assert units[8:] == (pytest.approx(interval.low), pytest.approx(interval.high))
    # nothing hidden can be worked out from the published numerators or denominators
    relations = young_persons_relations(set(got), {"Preston": True, "Blackpool": False})
    for column in (0, 1):
        assert recovered({k: v[column] for k, v in got.items()}, relations) == set(), column
    assert recovered(*linked_system(got, relations)) == set()
    # the change never reveals a hidden value, and the previous wave's value is that cell's published one
    assert all(v[4] is None for v in got.values() if v[2] is None)
    for (wave, *cell), v in got.items():
        if wave == "2019-20":
            assert v[3] == got[("2017-18", *cell)][2]
