"""Marts on the force extract (E1-E6 parts) against independent pandas computations on the raw
generated extracts, and DuckDB and PostgreSQL giving identical rows for every mart."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from scipy.stats import binomtest

from flows.ingest_recorded_crime import ingest_recorded_crime
from flows.ingest_reference import ingest_reference
from tasks.sample import SAMPLE_SOURCES
from tests.conftest import BACKENDS, SAMPLE, SAMPLE_REFERENCE, assert_marts_identical, assert_parts_add_up, query
from tests.integration.conftest import load_backends

SAMPLE_SOURCE = str(SAMPLE_SOURCES["recorded_crime_source"])
pytestmark = pytest.mark.usefixtures("prefect_api")
MONTHS = ["2019-04", "2019-05", "2019-06", "2019-07"]  # a third of a financial year: every mart has rows


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    """The raw extracts as sent, joined to the sample classification and geography with pandas only."""
    with zipfile.ZipFile(SAMPLE_SOURCE) as archive:
        frame = pd.concat([pd.read_csv(io.BytesIO(archive.read(f"recorded_crime_{m}.csv")), dtype=str) for m in MONTHS])
    classes = pd.read_csv(SAMPLE / "reference" / "offence_classification_SAMPLE.csv", dtype={"offence_code": str})
    lookup = pd.read_csv(SAMPLE / "reference" / "LSOA11_WD19_LAD19_EW_LU_lancashire.csv")
    frame = frame.merge(classes[["offence_code", "offence_group", "offence_subgroup", "offence_description", "weight"]],
                        how="left", left_on="ho_offence_code", right_on="offence_code")
    return frame.merge(lookup[["LSOA11CD", "LAD19NM"]], how="left", left_on="lsoa_code", right_on="LSOA11CD")


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory, prefect_api):
    """The sample extract's first months loaded: {backend: {url, where, result}}, PostgreSQL only when asked for."""
    backends = load_backends(tmp_path_factory, "offences", lambda where: ingest_recorded_crime(
        source=SAMPLE_SOURCE, months=f"{MONTHS[0]}:{MONTHS[-1]}", **where))
    yield backends
    backends.close()


@pytest.mark.postgres
def test_every_mart_is_identical_on_duckdb_and_postgres(warehouses):
    marts = assert_marts_identical(warehouses["duckdb"]["url"], warehouses["postgres"]["url"])
    assert {"mart_domestic_abuse", "mart_hate_crime", "mart_victim_offender_profile"} <= set(marts)


@pytest.mark.parametrize("backend", BACKENDS)
def test_domestic_abuse_shares_match_pandas(warehouses, raw, backend):
    da = raw["domestic_abuse_flag"] == "Y"
    expected = {
        "county": (da.mean(), (raw.loc[da, "alcohol_flag"] == "Y").mean(),
                   (raw.loc[da & raw["victim_sex"].isin(["M", "F"]), "victim_sex"] == "M").mean()),
    }
    by_authority = raw[raw["LAD19NM"].notna()].groupby("LAD19NM")
    expected |= {name: (float((g["domestic_abuse_flag"] == "Y").mean()), None, None) for name, g in by_authority}
    rows = {r[0] if r[0] != "Lancashire" else "county": r[1:] for r in query(
        warehouses[backend]["url"], "select area_name, domestic_abuse_share, alcohol_share, male_victim_share "
                                    "from mart_domestic_abuse where area_level in ('county', 'authority')")}
    assert rows["county"] == pytest.approx(expected["county"])
    for name, (share, _, _) in expected.items():
        if name != "county":
            assert rows[name][0] == pytest.approx(share), name


@pytest.mark.parametrize("backend", BACKENDS)
def test_hate_crime_by_strand_matches_pandas(warehouses, raw, backend):
    hate = raw["hate_crime_strand"].dropna()
    expected = {s: int(hate.str.split(";").apply(lambda xs, s=s: s in xs).sum())
                for s in ["Race", "Religion", "Sexual orientation", "Disability", "Transgender"]}
    expected["All strands"] = len(hate)
    got = dict(query(warehouses[backend]["url"], "select strand, crimes from mart_hate_crime where area_level = 'county'"))
    assert got == expected


PARTS = [  # mart, values that add up, the keys of a cell (besides the area), the levels that must add up
    ("mart_crime_trend", ["crimes", "crimes_comparable", "previous_crimes_comparable"], ["source", "financial_year", "crime_type"],
     ("bcu", "authority")),
    ("mart_area_rates", ["count"], ["source", "financial_year", "measure"], ("authority",)),
    ("mart_hate_crime", ["crimes"], ["financial_year", "strand"], ("bcu", "authority")),
    ("mart_domestic_abuse", ["crimes", "domestic_abuse", "alcohol_related"], ["financial_year"], ("bcu", "authority")),
    ("mart_offence_measures", ["crimes"], ["financial_year", "measure_type", "measure"], ("bcu", "authority")),
    ("mart_harm", ["harm", "crimes"], ["source", "financial_year"], ("bcu", "authority")),
    ("mart_crime_volume_harm", ["crimes"], ["source", "financial_year", "category"], ("bcu", "authority")),
    ("mart_victim_offender_profile", ["people"], ["financial_year", "offence_group", "role", "sex", "age_band"],
     ("authority",)),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("mart,values,keys,levels", PARTS, ids=[p[0] for p in PARTS])
def test_every_area_breakdown_adds_up_to_the_county(warehouses, raw, backend, mart, values, keys, levels):
    assert assert_parts_add_up(warehouses[backend]["url"], mart, values, keys, levels) >= 1
    if mart != "mart_domestic_abuse":
        return
    # the whole is every crime of the raw extract, the remainder row stated beside the authorities
    (county, remainder), = query(warehouses[backend]["url"], "select sum(case when area_level = 'county' then crimes end), "
                                 "sum(case when area_code = 'unallocated' and area_level = 'authority' then crimes end) "
                                 "from mart_domestic_abuse")
    assert (int(county), int(remainder)) == (len(raw), int(raw["LAD19NM"].isna().sum()))


def test_victim_age_bands_and_the_modal_band_match_pandas(warehouses, raw):
    bands = [(0, 9, "0-9"), (10, 17, "10-17"), (18, 24, "18-24"), (25, 31, "25-31"), (32, 40, "32-40"),
             (41, 52, "41-52"), (53, 200, "53+")]
    victims = raw[raw["victim_age"].notna() | raw["victim_sex"].notna()]
    ages = victims["victim_age"].dropna().astype(int)
    band = ages.apply(lambda a: next(label for lo, hi, label in bands if lo <= a <= hi))
    expected = band.value_counts().to_dict()
    expected["Unknown"] = int(victims["victim_age"].isna().sum())
    url = warehouses["duckdb"]["url"]
    got = dict(query(url, "select age_band, people from mart_victim_offender_profile where area_level = 'county' "
                          "and offence_group = 'All offences' and role = 'victim' and sex = 'All'"))
    assert got == expected
    # the sexes add up to the All rows
    assert dict(query(url, "select age_band, sum(people) from mart_victim_offender_profile where area_level = 'county' "
                           "and offence_group = 'All offences' and role = 'victim' and sex <> 'All' group by age_band")) == expected
    modal = query(warehouses["duckdb"]["url"], "select distinct age_band from mart_victim_offender_profile where area_level = 'county' "
                                        "and offence_group = 'All offences' and role = 'victim' and is_modal_band")
    assert modal == [(band.value_counts().idxmax(),)]
    shares = query(warehouses["duckdb"]["url"], "select offence_group, role, sex = 'All', sum(share) "
                                                "from mart_victim_offender_profile where area_level = 'county' "
                                                "group by offence_group, role, sex = 'All'")
    assert len(shares) > 2 and all(s == pytest.approx(1.0) for *_, s in shares)


@pytest.mark.parametrize("backend", BACKENDS)
def test_offence_group_harm_uses_each_crimes_weight_and_reports_unweighted(warehouses, raw, backend):
    grouped = raw.assign(offence_group=raw["offence_group"].fillna("Unclassified"), weight=raw["weight"].astype(float))
    harm = grouped.groupby("offence_group")["weight"].sum(min_count=1)
    got = {c: (h, u) for c, h, u in query(warehouses[backend]["url"], "select category, harm_share, unweighted_crimes "
                                           "from mart_crime_volume_harm where source = 'force_extract' and area_level = 'county'")}
    for group, value in harm.items():
        if pd.isna(value):
            assert got[group] == (None, int((grouped["offence_group"] == group).sum()))
        else:
            assert got[group][0] == pytest.approx(value / harm.sum())
    assert got["Unclassified"][1] == int((raw["ho_offence_code"] == "999X").sum()) > 0


def extract_rows(specs) -> list[dict]:
    """fact_recorded_crime rows from (authority, bcu, group, da, alcohol, victim_sex, victim_age, strand)."""
    from tasks.feed import loaded
    from tasks.recorded_crime.schema import CURATED_SCHEMA as _CURATED_SCHEMA
    CURATED_SCHEMA = loaded(_CURATED_SCHEMA)  # as the warehouse holds it, with load_id

    rows = []
    for authority, bcu, group, da, alcohol, sex, age, strand in specs:
        n = len(rows) + 1
        rows.append({name: None for name in CURATED_SCHEMA.names} | {
            "month": __import__("datetime").date(2020, 4, 1), "force": "lancashire", "crime_ref": f"LC-{n:08d}",
            "recorded_date": __import__("datetime").date(2020, 4, 2), "ho_offence_code": "8N", "offence_group": group,
            "has_location": True, "out_of_area": False, "authority_code": authority, "authority_name": authority, "bcu": bcu,
            "force_area_code": "E23000003", "force_area_name": "Lancashire", "is_domestic_abuse": da,
            "is_alcohol_related": alcohol, "is_knife_crime": False, "is_online": False, "hate_crime_strand": strand,
            "is_hate_crime": strand is not None, "is_serious_violence": False, "victim_sex": sex, "victim_age": age,
            "source_row": n, "load_id": 1})
    return rows


FIXTURE = [  # authority, bcu, group, domestic abuse, alcohol, victim sex, victim age, hate strand
    ("Preston", "South", "Violence against the person", True, True, "F", 25, None),
    ("Preston", "South", "Violence against the person", True, False, "M", 30, None),
    ("Preston", "South", "Violence against the person", True, False, "F", 8, "Race;Religion"),
    ("Preston", "South", "Theft offences", False, False, None, None, "Race"),
    ("Burnley", "East", "Violence against the person", True, True, "U", 52, None),
    ("Burnley", "East", "Theft offences", False, False, "M", 41, "Disability"),
    ("Burnley", "East", "Theft offences", False, False, "F", 60, None),
    ("Burnley", "East", "Theft offences", False, False, "F", 19, None),
]


def test_domestic_abuse_hate_and_profiles_match_a_hand_computed_answer(warehouse_url):
    import pyarrow as pa

    from tasks.feed import loaded
    from tasks.recorded_crime.schema import CURATED_SCHEMA as _CURATED_SCHEMA
    CURATED_SCHEMA = loaded(_CURATED_SCHEMA)  # as the warehouse holds it, with load_id
    from tests.integration.test_marts import insert_rows, load_fixture_reference
    from warehouse.engine import ensure_schema, open_engine
    from warehouse.load import bulk_insert_arrow
    from warehouse.marts import build_marts

    engine = open_engine(warehouse_url)
    ensure_schema(engine)
    with engine.begin() as conn:
        bulk_insert_arrow(conn, "fact_recorded_crime", pa.Table.from_pylist(extract_rows(FIXTURE), schema=CURATED_SCHEMA),
                          CURATED_SCHEMA.names)
    load_fixture_reference(engine)
    insert_rows(engine, "ref_age_bands", [
        {"band_set": "victim_offender", "label": label, "min_age": lo, "max_age": hi, "load_id": 1}
        for label, lo, hi in [("0-9", 0, 9), ("10-24", 10, 24), ("25-40", 25, 40), ("41+", 41, 200)]])
    build_marts(engine)
    engine.dispose()

    da = {r[0]: r[1:] for r in query(warehouse_url, "select area_name, crimes, domestic_abuse, domestic_abuse_share, "
                                     "alcohol_share, male_victim_share, share_rank, alcohol_share_rank from mart_domestic_abuse")}
    # Preston: 3 of 4 are domestic abuse, 1 of those 3 alcohol, victims F M F -> 1 of 3 male
    assert da["Preston"] == (4, 3, 0.75, pytest.approx(1 / 3), pytest.approx(1 / 3), 1, 2)
    # Burnley: 1 of 4, alcohol 1 of 1, its victim's sex is U -> no male share
    assert da["Burnley"] == (4, 1, 0.25, 1.0, None, 2, 1)
    # only a force's authorities are ranked: not the county, nor the (empty) remainder
    assert da["Lancashire"] == (8, 4, 0.5, 0.5, pytest.approx(1 / 3), None, None)
    assert da["Not allocated to an authority"] == (0, 0, None, None, None, None, None)
    intervals = {r[0]: r[1:] for r in query(warehouse_url, "select area_name, domestic_abuse_share_lower, "
                                            "domestic_abuse_share_upper, male_victim_share_lower from mart_domestic_abuse")}
    wilson = binomtest(3, 4).proportion_ci(method="wilson")
    assert intervals["Preston"][:2] == (pytest.approx(wilson.low), pytest.approx(wilson.high))
    assert intervals["Burnley"][2] is None  # no victim with a recorded sex: no share, no interval

    hate = dict(query(warehouse_url, "select strand, crimes from mart_hate_crime where area_level = 'county'"))
    assert hate == {"Race": 2, "Religion": 1, "Disability": 1, "Sexual orientation": 0, "Transgender": 0, "All strands": 3}

    profile = {r[:2]: r[2:] for r in query(
        warehouse_url, "select age_band, sex, people, share, is_modal_band from mart_victim_offender_profile "
                       "where area_level = 'county' and offence_group = 'All offences' and role = 'victim'")}
    # 7 victims with an age or sex: 8 (F), 19 (F), 25 (F), 30 (M), 41 (M), 52 (U), 60 (F): 41+ is modal (3)
    assert profile == {
        ("0-9", "F"): (1, pytest.approx(1 / 7), False), ("10-24", "F"): (1, pytest.approx(1 / 7), False),
        ("25-40", "F"): (1, pytest.approx(1 / 7), False), ("25-40", "M"): (1, pytest.approx(1 / 7), False),
        ("41+", "M"): (1, pytest.approx(1 / 7), True), ("41+", "U"): (1, pytest.approx(1 / 7), True),
        ("41+", "F"): (1, pytest.approx(1 / 7), True),
        ("0-9", "All"): (1, pytest.approx(1 / 7), False), ("10-24", "All"): (1, pytest.approx(1 / 7), False),
        ("25-40", "All"): (2, pytest.approx(2 / 7), False), ("41+", "All"): (3, pytest.approx(3 / 7), True),
    }


def test_offence_group_harm_and_serious_violence_rates_match_a_hand_computed_answer(warehouse_url):
    import datetime as dt

    import pyarrow as pa

    from tasks.feed import loaded
    from tasks.recorded_crime.schema import CURATED_SCHEMA as _CURATED_SCHEMA
    CURATED_SCHEMA = loaded(_CURATED_SCHEMA)  # as the warehouse holds it, with load_id
    from tests.integration.test_marts import load_fixture_reference
    from warehouse.engine import ensure_schema, open_engine
    from warehouse.load import bulk_insert_arrow
    from warehouse.marts import build_marts

    base = {name: None for name in CURATED_SCHEMA.names} | {
        "month": dt.date(2019, 6, 1), "force": "lancashire", "recorded_date": dt.date(2019, 6, 3), "has_location": True,
        "out_of_area": False, "force_area_code": "E23000003", "force_area_name": "Lancashire", "is_domestic_abuse": False,
        "is_alcohol_related": False, "is_knife_crime": False, "is_online": False, "is_hate_crime": False,
        "load_id": 1}
    specs = [  # authority, code, group, weight, serious violence
        ("E06000008", "8N", "Violence against the person", 112.0, True),
        ("E06000008", "105A", "Violence against the person", 15.0, False),
        ("E06000008", "46", "Theft offences", 13.0, False),
        ("E07000123", "34B", "Robbery", 746.0, True),
        ("E07000123", "999X", None, None, False),
    ]
    rows = [base | {"crime_ref": f"LC-{i:08d}", "ho_offence_code": code, "offence_group": group, "weight": weight,
                    "weights_version": "v-test" if weight else None, "is_serious_violence": sv, "authority_code": auth,
                    "authority_name": {"E06000008": "Blackburn with Darwen", "E07000123": "Preston"}[auth],
                    "bcu": {"E06000008": "East", "E07000123": "South"}[auth], "source_row": i}
            for i, (auth, code, group, weight, sv) in enumerate(specs, 1)]
    engine = open_engine(warehouse_url)
    ensure_schema(engine)
    with engine.begin() as conn:
        bulk_insert_arrow(conn, "fact_recorded_crime", pa.Table.from_pylist(rows, schema=CURATED_SCHEMA), CURATED_SCHEMA.names)
    load_fixture_reference(engine)  # population 2019: BwD 2,000, Preston 500
    build_marts(engine)
    engine.dispose()
    harm = {r[0]: r[1:] for r in query(warehouse_url, "select category, crimes, volume_share, harm, harm_share, unweighted_crimes "
                                       "from mart_crime_volume_harm where source = 'force_extract' and area_level = 'county'")}
    total = 112 + 15 + 13 + 746
    assert harm["Violence against the person"] == (2, 0.4, 127.0, pytest.approx(127 / total), 0)
    assert harm["Robbery"] == (1, 0.2, 746.0, pytest.approx(746 / total), 0)
    assert harm["Unclassified"] == (1, 0.2, None, None, 1)
    rates = {r[0]: r[1:] for r in query(warehouse_url, "select area_name, count, population, rate_per_1000, rank "
                                        "from mart_area_rates where measure = 'serious_violence' and area_level = 'authority'")}
    # one month (June) of data: each rate is annualised x 12
    assert rates == {"Blackburn with Darwen": (1, 2000, pytest.approx(6.0), 2), "Preston": (1, 500, pytest.approx(24.0), 1),
                     "Not allocated to an authority": (0, None, None, None)}


def test_serious_violence_rates_match_pandas_applying_the_rules_to_the_raw_extracts(warehouses, raw):
    rules = pd.read_csv(SAMPLE / "reference" / "serious_violence.csv", dtype=str).fillna("")
    frame = raw
    hit = pd.Series(False, index=frame.index)
    for rule in rules.itertuples():
        mask = pd.Series(True, index=frame.index)
        if rule.offence_group:
            mask &= frame["offence_group"] == rule.offence_group
        if rule.offence_subgroup:
            mask &= frame["offence_subgroup"] == rule.offence_subgroup
        if rule.offence_code:
            mask &= frame["ho_offence_code"] == rule.offence_code
        if rule.flag:
            mask &= frame[rule.flag] == "Y"
        hit |= mask
    expected = frame[hit].fillna({"LAD19NM": "Not allocated to an authority"}).groupby("LAD19NM").size().to_dict()
    got = dict(query(warehouses["duckdb"]["url"], "select area_name, count from mart_area_rates where source = 'force_extract' "
                                           "and measure = 'serious_violence' and area_level = 'authority'"))
    assert got == expected


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["duckdb"])  # PostgreSQL's reload of the same files: test_police_uk_flow, same publish
def test_reloading_the_same_extracts_changes_nothing(warehouses, backend):
    url, where = warehouses[backend]["url"], warehouses[backend]["where"]  # the same warehouse and lake
    content = ("select crime_ref, month, ho_offence_code, is_serious_violence, authority_name, l.source_sha256 "
               "from fact_recorded_crime join etl_load_log l using (load_id)")
    before = sorted(query(url, content))
    ingest_reference(source=SAMPLE_REFERENCE, **where)
    ingest_recorded_crime(source=SAMPLE_SOURCE, months="2019-05:2019-06", **where)
    assert sorted(query(url, content)) == before
    assert query(url, "select count(*) - count(distinct crime_ref) from fact_recorded_crime") == [(0,)]


def test_a_reference_recorded_again_in_a_later_month_counts_once_as_its_latest_record(warehouse_url, tmp_path):
    with zipfile.ZipFile(SAMPLE_SOURCE) as archive:
        april, may = (pd.read_csv(io.BytesIO(archive.read(f"recorded_crime_{m}.csv")), dtype=str) for m in MONTHS[:2])
    # 40 of April's crimes are sent again in May's file, reclassified on 15 May as malicious communications (8R)
    again = april.head(40).assign(ho_offence_code="8R", recorded_date="2019-05-15")
    folder = tmp_path / "extracts"
    folder.mkdir()
    april.to_csv(folder / "recorded_crime_2019-04.csv", index=False)
    pd.concat([may, again]).to_csv(folder / "recorded_crime_2019-05.csv", index=False)
    where = dict(workdir=str(tmp_path / "var"), warehouse_url=warehouse_url)
    ingest_reference(source=SAMPLE_REFERENCE, **where)
    ingest_recorded_crime(source=str(folder), **where)

    # pandas on the files as sent: each reference once, its latest month's record
    sent = pd.concat([april.assign(file_month="2019-04"), may.assign(file_month="2019-05"), again.assign(file_month="2019-05")])
    counted = sent.sort_values("file_month").drop_duplicates("crime_ref", keep="last")
    assert len(sent) - len(counted) == 40
    expected = counted["ho_offence_code"].value_counts().to_dict()
    got = dict(query(warehouse_url, "select measure, crimes from mart_offence_measures where area_level = 'county' "
                                    "and measure_type = 'offence_code' and financial_year = '2019/20' and crimes > 0"))
    assert got == expected
    (total,), = query(warehouse_url, "select cast(sum(crimes) as bigint) from mart_crime_trend where source = 'force_extract' "
                                     "and area_level = 'county'")
    assert total == len(counted)


def serious_violence_rules(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """Each serious violence rule's mask over the raw rows, applied with pandas."""
    rules = pd.read_csv(SAMPLE / "reference" / "serious_violence.csv", dtype=str).fillna("")
    masks: dict[str, pd.Series] = {}
    for rule in rules.itertuples():
        mask = pd.Series(True, index=frame.index)
        for column, value in [("offence_group", rule.offence_group), ("offence_subgroup", rule.offence_subgroup),
                              ("ho_offence_code", rule.offence_code)]:
            if value:
                mask &= frame[column] == value
        if rule.flag:
            mask &= frame[rule.flag] == "Y"
        masks[rule.rule] = masks.get(rule.rule, pd.Series(False, index=frame.index)) | mask
    return masks


@pytest.mark.parametrize("backend", BACKENDS)
def test_offence_measures_match_pandas_on_the_raw_extracts(warehouses, raw, backend):
    url = warehouses[backend]["url"]
    got = {(r[0], r[1]): r[2:] for r in query(url, "select measure_type, measure, crimes, all_crimes, share, is_annualised "
                                                   "from mart_offence_measures where area_level = 'county'")}
    total = len(raw)
    expected = {("offence_subgroup", k): v for k, v in raw["offence_subgroup"].fillna("Unclassified").value_counts().items()}
    expected |= {("offence_code", k): v for k, v in raw["ho_offence_code"].value_counts().items()}
    expected |= {("flag", "knife_crime"): (raw["knife_flag"] == "Y").sum(), ("flag", "online"): (raw["online_flag"] == "Y").sum(),
                 ("flag", "domestic_abuse"): (raw["domestic_abuse_flag"] == "Y").sum(),
                 ("flag", "rape_domestic_abuse"): ((raw["domestic_abuse_flag"] == "Y") & (raw["offence_subgroup"] == "Rape")).sum()}
    masks = serious_violence_rules(raw)
    expected |= {("serious_violence", rule): mask.sum() for rule, mask in masks.items() if mask.any()}
    expected[("serious_violence", "any")] = pd.concat(masks.values(), axis=1).any(axis=1).sum()
    assert {k: v[0] for k, v in got.items()} == {k: int(v) for k, v in expected.items()}
    assert all(v[1] == total and v[2] == pytest.approx(v[0] / total) and v[3] for v in got.values())
    # the assessment's named offences are there at code level: malicious communications, residential burglary
    assert got[("offence_code", "8R")][0] > 0 and got[("offence_subgroup", "Domestic burglary")][0] > 0
    preston = dict(query(url, "select measure, crimes from mart_offence_measures where area_name = 'Preston' "
                              "and measure_type = 'offence_subgroup'"))
    in_preston = raw[raw["LAD19NM"] == "Preston"]["offence_subgroup"].fillna("Unclassified").value_counts()
    assert {k: v for k, v in preston.items() if v} == in_preston.to_dict()
    # the county's rate is on located crimes, the same basis as its authorities' and as mart_area_rates
    (located, rate), = query(url, "select located_count, rate_per_1000 from mart_offence_measures where area_level = 'county' "
                                  "and measure_type = 'serious_violence' and measure = 'any'")
    assert located == int(pd.concat(masks.values(), axis=1).any(axis=1)[raw["LAD19NM"].notna()].sum())
    assert query(url, "select rate_per_1000 from mart_area_rates where source = 'force_extract' and area_level = 'county' "
                      "and measure = 'serious_violence'") == [(pytest.approx(rate),)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_reporting_lag_bands_match_pandas(warehouses, raw, backend):
    days = (pd.to_datetime(raw["recorded_date"]) - pd.to_datetime(raw["offence_date"])).dt.days
    band = pd.cut(days, [-1, 30, 364, 1824, 10**6], labels=["Under 1 month", "1-12 months", "1-5 years", "5 years or more"])
    band = band.astype(str).where(days.notna(), "Unknown")
    for category, mask in [("All offences", raw.index == raw.index), ("Rape", raw["offence_subgroup"] == "Rape")]:
        expected = band[mask].value_counts().to_dict()
        got = {b: n for b, n in query(warehouses[backend]["url"],
                                      "select lag_band, crimes from mart_reporting_lag where area_level = 'county' "
                                      f"and category = '{category}'") if n}
        assert got == expected, category
        (median,), = query(warehouses[backend]["url"], "select distinct median_lag_days from mart_reporting_lag "
                                                        f"where area_level = 'county' and category = '{category}'")
        assert median == pytest.approx(days[mask].median())


@pytest.mark.parametrize("backend", BACKENDS)
def test_domestic_abuse_victim_ages_and_the_sets_the_assessment_profiles(warehouses, raw, backend):
    bands = [(0, 9, "0-9"), (10, 17, "10-17"), (18, 24, "18-24"), (25, 31, "25-31"), (32, 40, "32-40"),
             (41, 52, "41-52"), (53, 200, "53+")]
    sets = {"Domestic abuse": raw["domestic_abuse_flag"] == "Y", "Rape": raw["offence_subgroup"] == "Rape",
            "Knife crime": raw["knife_flag"] == "Y", "Homicide": raw["offence_subgroup"] == "Homicide"}
    for name, mask in sets.items():
        victims = raw[mask & (raw["victim_age"].notna() | raw["victim_sex"].notna())]
        ages = victims["victim_age"].dropna().astype(int)
        expected = ages.apply(lambda a: next(label for lo, hi, label in bands if lo <= a <= hi)).value_counts().to_dict()
        if victims["victim_age"].isna().any():
            expected["Unknown"] = int(victims["victim_age"].isna().sum())
        got = dict(query(warehouses[backend]["url"], "select age_band, people from mart_victim_offender_profile "
                                                      "where area_level = 'county' and role = 'victim' and sex = 'All' "
                                                      f"and offence_group = '{name}'"))
        assert got == expected, name


@pytest.mark.parametrize("backend", BACKENDS)
def test_harm_per_head_and_its_concentration_match_pandas(warehouses, raw, backend):
    url = warehouses[backend]["url"]
    weights = raw["weight"].astype(float)
    (harm, crimes, weighted), = query(url, "select harm, crimes, weighted_crimes from mart_harm where source = 'force_extract' "
                                           "and area_level = 'county'")
    assert (harm, crimes, weighted) == (pytest.approx(weights.sum()), len(raw), int(weights.notna().sum()))
    lookup = pd.read_csv(SAMPLE / "reference" / "LSOA11_WD19_LAD19_EW_LU_lancashire.csv")
    population = pd.read_csv(SAMPLE / "reference" / "lancashire_population_2014_2020.csv")
    pop = population[population["Year"] == 2019].merge(lookup, left_on="LSOA Code", right_on="LSOA11CD")
    preston_pop = pop[pop["LAD19NM"] == "Preston"]["Population"].sum()
    preston = weights[raw["LAD19NM"] == "Preston"].sum()
    (per_head,), = query(url, "select harm_per_1000 from mart_harm where source = 'force_extract' and area_name = 'Preston'")
    assert per_head == pytest.approx(preston * 1000 * 12 / len(MONTHS) / preston_pop)
    ordered = weights.dropna().sort_values(ascending=False).to_numpy()
    got = dict(query(url, "select top_volume_percent, harm_share from mart_harm_concentration where source = 'force_extract' "
                          "and area_level = 'county'"))
    for percent, share in got.items():
        top = int(np.ceil(len(ordered) * percent / 100))
        assert share == pytest.approx(ordered[:top].sum() / ordered.sum()), percent
    assert got[20] > 0.5  # harm concentrates: a fifth of the crimes hold most of it


def test_offence_measures_compare_like_for_like_and_harm_has_its_interval_by_hand(warehouse_url):
    import datetime as dt

    import pyarrow as pa

    from tasks.feed import loaded
    from tasks.recorded_crime.schema import CURATED_SCHEMA as _CURATED_SCHEMA
    CURATED_SCHEMA = loaded(_CURATED_SCHEMA)  # as the warehouse holds it, with load_id
    from tests.integration.test_marts import conditional_poisson_p, exact_poisson_limits, insert_rows, load_fixture_reference
    from warehouse.engine import ensure_schema, open_engine
    from warehouse.load import bulk_insert_arrow
    from warehouse.marts import build_marts

    base = {name: None for name in CURATED_SCHEMA.names} | {
        "force": "lancashire", "has_location": True, "out_of_area": False, "force_area_code": "E23000003",
        "force_area_name": "Lancashire", "is_domestic_abuse": False, "is_alcohol_related": False, "is_knife_crime": False,
        "is_online": False, "is_hate_crime": False, "load_id": 1}
    bwd = {"authority_code": "E06000008", "authority_name": "Blackburn with Darwen", "bcu": "East", "ho_offence_code": "8N",
           "offence_group": "Violence against the person", "offence_subgroup": "Violence with injury", "weight": 112.0,
           "weights_version": "v-test", "is_serious_violence": True, "serious_violence_rules": "assault_with_injury"}
    # Blackburn with Darwen's assaults: Apr-Jun 2019 3, 2, 4 (one with a knife); Apr-May 2020 1, 0
    months = [(2019, 4)] * 3 + [(2019, 5)] * 2 + [(2019, 6)] * 4 + [(2020, 4)]
    rows = [base | bwd | {"month": dt.date(y, m, 1), "recorded_date": dt.date(y, m, 2)} for y, m in months]
    rows[0] |= {"is_knife_crime": True, "serious_violence_rules": "assault_with_injury;knife_crime"}
    for i in (1, 3, 9):  # racially aggravated: April and May 2019, April 2020
        rows[i] |= {"is_hate_crime": True, "hate_crime_strand": "Race"}
    rows.append(base | {"month": dt.date(2020, 5, 1), "recorded_date": dt.date(2020, 5, 2), "authority_code": "E07000123",
                        "authority_name": "Preston", "bcu": "South", "ho_offence_code": "46", "offence_group": "Theft offences",
                        "offence_subgroup": "Other theft", "weight": 13.0, "weights_version": "v-test",
                        "is_serious_violence": False})
    for i, row in enumerate(rows, 1):
        row |= {"crime_ref": f"LC-{i:08d}", "source_row": i}
    engine = open_engine(warehouse_url)
    ensure_schema(engine)
    with engine.begin() as conn:
        bulk_insert_arrow(conn, "fact_recorded_crime", pa.Table.from_pylist(rows, schema=CURATED_SCHEMA), CURATED_SCHEMA.names)
    load_fixture_reference(engine)  # Blackburn with Darwen: 2,000 residents in 2019 and 2020 ...
    with engine.begin() as conn:  # ... grown to 2,500 in 2020, so the change test weighs the exposure
        conn.execute(sa.text("update ref_population set population = 1500 where year = 2020 and lsoa_code = 'E01000001'"))
    insert_rows(engine, "ref_serious_violence_rules", [
        {"rule_id": rule, "label": label, "load_id": 1}
        for rule, label in [("assault_with_injury", "Assault resulting in injury"), ("knife_crime", "Knife crime")]])
    build_marts(engine)
    engine.dispose()

    got = {r[:2]: r[2:] for r in query(
        warehouse_url, "select financial_year, measure, crimes, months_covered, comparable_months, crimes_comparable, "
                       "previous_crimes_comparable, change, change_p_value, change_significant, rate_per_1000, rate_lower, "
                       "rate_upper, change_basis from mart_offence_measures "
                       "where area_name = 'Blackburn with Darwen' and measure = '8N'")}
    # 2020/21 holds April and May: compared with April and May 2019 (5), never with the whole of 2019/20 (9)
    assert got[("2020/21", "8N")][:6] == (1, 2, 2, 1, 5, -4)
    # given the 6 crimes, the later count is Binomial(6, 2,500 / (2,000 + 2,500)): residents are the exposure
    p_value = conditional_poisson_p(5, 2000, 1, 2500)
    assert got[("2020/21", "8N")][6:8] == (pytest.approx(p_value), p_value < 0.05)
    lower, upper = exact_poisson_limits(1)  # one crime in 2 months among 2,500: x 6 x 1000 / 2500
    assert got[("2020/21", "8N")][8:] == (pytest.approx(2.4), pytest.approx(lower * 2.4), pytest.approx(upper * 2.4),
                                          "Apr, May of both years")
    assert got[("2019/20", "8N")][:6] == (9, 3, None, None, None, None) and got[("2019/20", "8N")][-1] is None

    hate = query(warehouse_url, "select crimes, crimes_comparable, previous_crimes_comparable, change, change_p_value, "
                                "change_basis, population, previous_population from mart_hate_crime "
                                "where area_name = 'Blackburn with Darwen' and financial_year = '2020/21' and strand = 'Race'")
    p_value = conditional_poisson_p(2, 2000, 1, 2500)
    assert hate == [(1, 1, 2, -1, pytest.approx(p_value), "Apr, May of both years", 2500, 2000)]

    knife = query(warehouse_url, "select crimes, serious_violence_crimes, share_of_serious_violence, "
                                 "share_of_serious_violence_lower, share_of_serious_violence_upper from mart_offence_measures "
                                 "where area_name = 'Blackburn with Darwen' and financial_year = '2019/20' "
                                 "and measure_type = 'serious_violence' and measure = 'knife_crime'")
    wilson = binomtest(1, 9).proportion_ci(method="wilson")
    assert knife == [(1, 9, pytest.approx(1 / 9), pytest.approx(wilson.low), pytest.approx(wilson.high))]

    harm = query(warehouse_url, "select harm, harm_per_1000, harm_per_1000_lower, harm_per_1000_upper from mart_harm "
                                "where source = 'force_extract' and area_name = 'Blackburn with Darwen' "
                                "and financial_year = '2019/20'")
    # nine crimes of weight 112 over 3 months among 2,000 residents: 112 x Garwood(9) x 12/3 x 1000/2000
    lower, upper = exact_poisson_limits(9)
    assert harm == [(pytest.approx(9 * 112.0), pytest.approx(9 * 112 * 2.0), pytest.approx(112 * 2 * lower),
                     pytest.approx(112 * 2 * upper))]
