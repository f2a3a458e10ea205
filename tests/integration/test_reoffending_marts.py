"""The reoffending marts against answers worked out by hand on small fixtures, on DuckDB and
PostgreSQL: E7 (sums of counts for force areas, All and financial years, never averages of
rates; a withheld count never hidden in a total), E8 (Table 2: reoffenders by sex, configurable
age band and youth) and Table 3 (the offence mix of reoffences)."""

from __future__ import annotations

import datetime as dt

import pytest
from scipy.stats import binomtest

from tasks.feed import loaded
from tasks.reoffending.cohort import COHORT_SCHEMA as _COHORT_SCHEMA
from tasks.reoffending.cohort import REOFFENCE_SCHEMA as _REOFFENCE_SCHEMA
from tasks.reoffending.moj_checks import TABLES_SCHEMA as _TABLES_SCHEMA
from tests.conftest import query
from tests.integration.test_marts import exact_poisson_limits
from tests.integration.test_survey_marts import LINEAGE, load

COHORT_SCHEMA = loaded(_COHORT_SCHEMA)  # as the warehouse holds it, with load_id
REOFFENCE_SCHEMA = loaded(_REOFFENCE_SCHEMA)  # as the warehouse holds it, with load_id
TABLES_SCHEMA = loaded(_TABLES_SCHEMA)  # as the warehouse holds it, with load_id

QUARTERS = [dt.date(2019, 4, 1), dt.date(2019, 7, 1), dt.date(2019, 10, 1), dt.date(2020, 1, 1)]
CODES = {"Preston": "E07000123", "Blackpool": "E06000009"}
# authority, group -> (offenders, reoffenders, reoffences) per quarter; None = withheld ("*")
TOOL = {
    ("Preston", "Adult"): [(100, 30, 90), (200, 20, 60), (100, 25, 75), (100, 25, 75)],
    ("Preston", "Juvenile"): [(10, 5, 10), (10, 5, 10), (10, 0, 0), (10, 0, 0)],
    ("Blackpool", "Adult"): [(50, 10, 40)] * 4,
    ("Blackpool", "Juvenile"): [(8, 2, 4), (8, 2, 4), (8, 2, 4), None],
}


def tool_rows() -> list[dict]:
    rows = []
    for (area, group), quarters in TOOL.items():
        for start, counts in zip(QUARTERS, quarters):
            off, reo, ences = counts or (None, None, None)
            end = dt.date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1) - dt.timedelta(days=1)
            rows.append({"layout": "geographic", "geography_level": "authority", "geography": area,
                         "authority_code": CODES[area], "category_code": None, "category": "total", "subcategory1": None,
                         "subcategory2": None, "adult_juvenile": group, "cohort_label": f"{start:%b %y} to {end:%b %y}",
                         "period_start": start, "period_end": end, "period_type": "quarterly", "offenders": off,
                         "reoffenders": reo, "reoffences": ences, "suppressed": counts is None, "source_row": 1, **LINEAGE})
    return rows


def test_reoffending_rates_are_sums_of_counts(warehouse_url):
    load(warehouse_url, {"fact_moj_reoffending": (TABLES_SCHEMA, tool_rows())})
    got = {r[:4]: r[4:] for r in query(warehouse_url, "select area_name, adult_juvenile, period_type, period_start, offenders, "
                                       "reoffenders, reoffences, proportion_reoffending, frequency, suppressed, "
                                       "derived_from_quarters, areas_summed from mart_reoffending_rate")}
    fy = dt.date(2019, 4, 1)
    # Preston's adult year: 500 offenders, 100 reoffenders -> 20% (the average of its quarters' rates would be 22.5%)
    assert got[("Preston", "Adult", "annual", fy)] == (500, 100, 300, 0.2, 3.0, False, True, 1)
    assert got[("Preston", "All", "quarterly", QUARTERS[0])][:4] == (110, 35, 100, pytest.approx(35 / 110))
    assert got[("Preston", "All", "annual", fy)][:3] == (540, 110, 320)
    # the force area sums its authorities: first quarter adults 100 + 50
    assert got[("Lancashire", "Adult", "quarterly", QUARTERS[0])] == (150, 40, 130, pytest.approx(40 / 150),
                                                                      pytest.approx(130 / 40), False, False, 2)
    # Blackpool's withheld juvenile quarter: its All, its year and the force area's juveniles have no total
    assert got[("Blackpool", "All", "quarterly", QUARTERS[3])][:3] == (None, None, None)
    assert got[("Blackpool", "All", "quarterly", QUARTERS[3])][5] is True
    assert got[("Blackpool", "Juvenile", "annual", fy)][:3] == (None, None, None)
    assert got[("Lancashire", "Juvenile", "quarterly", QUARTERS[3])][:3] == (None, None, None)
    assert got[("Lancashire", "Juvenile", "quarterly", QUARTERS[0])][:3] == (18, 7, 14)
    assert got[("Blackpool", "Adult", "annual", fy)][:3] == (200, 40, 160)
    (lower, upper, quarters, f_lower, f_upper), = query(
        warehouse_url, "select proportion_lower, proportion_upper, quarters_covered, frequency_lower, frequency_upper "
                       "from mart_reoffending_rate where area_name = 'Preston' and adult_juvenile = 'Adult' "
                       "and period_type = 'annual'")
    wilson = binomtest(100, 500).proportion_ci(method="wilson")
    assert (lower, upper, quarters) == (pytest.approx(wilson.low), pytest.approx(wilson.high), 4)
    # 300 reoffences by 100 reoffenders: the exact Poisson limits of 300, per reoffender
    limits = exact_poisson_limits(300)
    assert (f_lower, f_upper) == (pytest.approx(limits[0] / 100), pytest.approx(limits[1] / 100))
    (withheld,) = query(warehouse_url, "select frequency, frequency_lower, frequency_upper from mart_reoffending_rate "
                                       "where area_name = 'Blackpool' and adult_juvenile = 'Juvenile' and period_type = 'annual'")
    assert withheld == (None, None, None)


def test_a_force_area_missing_an_authority_publishes_no_total(warehouse_url):
    preston_only = [r for r in tool_rows() if r["geography"] == "Preston"]
    load(warehouse_url, {"fact_moj_reoffending": (TABLES_SCHEMA, preston_only)})
    rows = query(warehouse_url, "select offenders, reoffenders, proportion_reoffending, proportion_lower, areas_summed, "
                                "areas_expected, is_partial_total from mart_reoffending_rate where area_name = 'Lancashire'")
    assert rows and all(r == (None, None, None, None, 1, 2, True) for r in rows)
    (preston,) = query(warehouse_url, "select count(*) from mart_reoffending_rate where area_name = 'Preston' "
                                      "and offenders is not null and not is_partial_total")
    assert preston[0] > 0



def test_a_total_short_of_an_authority_in_one_group_is_partial(warehouse_url):
    # Blackpool publishes its adults but not its juveniles: the force area's adults are whole, its All is not
    rows = [r for r in tool_rows() if not (r["geography"] == "Blackpool" and r["adult_juvenile"] == "Juvenile")]
    load(warehouse_url, {"fact_moj_reoffending": (TABLES_SCHEMA, rows)})
    got = query(warehouse_url, "select adult_juvenile, period_start, offenders, areas_summed, is_partial_total "
                               "from mart_reoffending_rate where area_name = 'Lancashire'")
    assert ("Adult", QUARTERS[0], 150, 2, False) in got
    whole = [r for r in got if r[0] == "All"]
    assert whole and all(r[2:] == (None, 1, True) for r in whole)

# authority, quarter, sex, age, reoffence groups (empty: did not reoffend)
OFFENDERS = [
    ("Preston", 0, "Male", 20, ["Theft", "Theft"]),
    ("Preston", 0, "Male", 35, ["Burglary"]),
    ("Preston", 0, "Female", 16, []),
    ("Preston", 0, "Male", 45, []),
    ("Blackpool", 0, "Female", 19, ["Theft", "Violence Against the Person", "Theft"]),
    ("Blackpool", 0, "Male", 15, ["Burglary"]),
    ("Preston", 1, "Male", 28, ["Drug Offences"]),
]


def cohort_tables() -> dict:
    offenders, reoffences = [], []
    bcu = {"Preston": "South", "Blackpool": None}  # Blackpool in no BCU: its offenders are the BCU level's remainder
    for i, (area, q, sex, age, groups) in enumerate(OFFENDERS):
        start = QUARTERS[q]
        key = f"P{i:010d}"
        offenders.append({"cohort_start": start, "cohort_end": QUARTERS[q + 1] - dt.timedelta(days=1), "offender_key": key,
                          "authority_code": CODES[area], "authority_name": area, "bcu": bcu[area], "sex": sex,
                          "age_at_index": age, "is_youth": age <= 17, "ethnic_group": "White", "index_offence_group": "Theft",
                          "reoffended": bool(groups), "reoffence_count": len(groups), "source_row": i + 1, **LINEAGE})
        reoffences += [{"cohort_start": start, "offender_key": key, "position": p, "reoffence_group": g, **LINEAGE}
                       for p, g in enumerate(groups, start=1)]
    bands = [{"band_set": "reoffender", "label": label, "min_age": lo, "max_age": hi, **LINEAGE}
             for label, lo, hi in [("10-17", 10, 17), ("18-24", 18, 24), ("25-31", 25, 31), ("32-40", 32, 40), ("41+", 41, 200)]]
    import pyarrow as pa

    return {"fact_reoffending_cohort": (COHORT_SCHEMA, offenders), "fact_reoffence": (REOFFENCE_SCHEMA, reoffences),
            "ref_age_bands": (pa.schema([("band_set", pa.string()), ("label", pa.string()), ("min_age", pa.int16()),
                                         ("max_age", pa.int16()), ("load_id", pa.int64())]),
                              bands)}


def test_reoffender_profile_and_reoffence_mix_match_a_hand_computed_answer(warehouse_url):
    load(warehouse_url, cohort_tables())
    profile = {r[:5]: r[5:] for r in query(warehouse_url, "select area_name, period_type, period_start, dimension, value, "
                                           "offenders, reoffenders, share, quarters_covered from mart_reoffender_profile "
                                           "where area_level in ('county', 'authority') and sex_group = 'All'")}
    county = lambda d, v: profile[("Lancashire", "annual", QUARTERS[0], d, v)]  # noqa: E731
    # the year: 7 offenders, 5 reoffenders (4 male), over 2 quarterly cohorts
    assert county("sex", "Male") == (5, 4, 0.8, 2) and county("sex", "Female") == (2, 1, 0.2, 2)
    assert county("age_band", "10-17") == (2, 1, 0.2, 2)
    assert county("age_band", "18-24") == (2, 2, 0.4, 2)
    assert county("age_band", "41+") == (1, 0, 0.0, 2)
    assert county("youth", "Youth (10-17)")[:2] == (2, 1)
    assert profile[("Preston", "quarterly", QUARTERS[0], "sex", "Male")] == (3, 2, 1.0, 1)
    assert profile[("Preston", "quarterly", QUARTERS[1], "sex", "Male")] == (1, 1, 1.0, 1)
    female = {r[0]: r[1:] for r in query(warehouse_url, "select value, offenders, reoffenders, share from mart_reoffender_profile "
                                         "where area_level = 'county' and period_type = 'annual' and sex_group = 'Female' "
                                         "and dimension = 'age_band'")}
    # the two women: 16 (did not reoffend) and 19 (reoffended): all female reoffenders are 18-24
    assert female == {"10-17": (1, 0, 0.0), "18-24": (1, 1, 1.0)}
    mix = {r[:2]: r[2:] for r in query(warehouse_url, "select area_name, reoffence_group, reoffences, share, rank "
                                       "from mart_reoffence_mix where period_type = 'annual' and sex_group = 'All'")}
    # the acquisitive roll-up: theft 4 + burglary 2 of 8 listed; not ranked among the groups
    assert mix[("Lancashire", "Acquisitive (Theft, Burglary, Robbery)")] == (6, 0.75, None)
    female_mix = dict(query(warehouse_url, "select reoffence_group, share from mart_reoffence_mix where period_type = 'annual' "
                                           "and sex_group = 'Female' and area_level = 'county'"))
    assert female_mix["Theft"] == pytest.approx(2 / 3) and female_mix["Violence Against the Person"] == pytest.approx(1 / 3)
    assert mix[("Lancashire", "Theft")] == (4, 0.5, 1)
    assert mix[("Lancashire", "Burglary")] == (2, 0.25, 2)
    assert mix[("Lancashire", "Drug Offences")] == (1, 0.125, 3) and mix[("Lancashire", "Violence Against the Person")][2] == 3
    assert mix[("Blackpool", "Theft")] == (2, 0.5, 1)
    # the BCU level: South (Preston) and the remainder (Blackpool) add up to the county; authorities leave none
    bcus = {r[:3]: r[3:] for r in query(warehouse_url, "select area_level, area_code, area_name, offenders, reoffenders "
                                        "from mart_reoffender_profile where period_type = 'annual' and sex_group = 'All' "
                                        "and dimension = 'sex' and value = 'Male' and area_level in ('bcu', 'authority')")}
    assert bcus == {("bcu", "South", "South"): (4, 3), ("bcu", "unallocated", "Not allocated to a BCU"): (1, 1),
                    ("authority", "E07000123", "Preston"): (4, 3), ("authority", "E06000009", "Blackpool"): (1, 1),
                    ("authority", "unallocated", "Not allocated to an authority"): (0, 0)}
    remainder_mix = dict(query(warehouse_url, "select reoffence_group, reoffences from mart_reoffence_mix "
                                              "where period_type = 'annual' and sex_group = 'All' and area_code = 'unallocated' "
                                              "and area_level = 'bcu' and grouping = 'group'"))
    assert remainder_mix == {"Theft": 2, "Violence Against the Person": 1, "Burglary": 1, "Drug Offences": 0}
