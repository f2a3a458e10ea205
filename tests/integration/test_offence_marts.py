"""Marts on the force extract (E1-E6 parts) against independent pandas computations on the raw
generated extracts, and DuckDB and PostgreSQL giving identical rows for every mart."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest
from scipy.stats import binomtest

from flows.ingest_recorded_crime import ingest_recorded_crime
from flows.ingest_reference import ingest_reference
from tasks.sample import SAMPLE_SOURCES
from tests.conftest import BACKENDS, SAMPLE, SAMPLE_REFERENCE, assert_marts_identical, query
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
    frame = frame.merge(classes[["offence_code", "offence_group", "weight"]], how="left",
                        left_on="ho_offence_code", right_on="offence_code")
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


def test_victim_age_bands_and_the_modal_band_match_pandas(warehouses, raw):
    bands = [(0, 9, "0-9"), (10, 17, "10-17"), (18, 24, "18-24"), (25, 31, "25-31"), (32, 40, "32-40"),
             (41, 52, "41-52"), (53, 200, "53+")]
    victims = raw[raw["victim_age"].notna() | raw["victim_sex"].notna()]
    ages = victims["victim_age"].dropna().astype(int)
    band = ages.apply(lambda a: next(label for lo, hi, label in bands if lo <= a <= hi))
    expected = band.value_counts().to_dict()
    expected["Unknown"] = int(victims["victim_age"].isna().sum())
    got = {b: n for b, n in query(warehouses["duckdb"]["url"], "select age_band, sum(people) from mart_victim_offender_profile "
                                  "where area_level = 'county' and offence_group = 'All offences' and role = 'victim' "
                                  "group by age_band")}
    assert got == expected
    modal = query(warehouses["duckdb"]["url"], "select distinct age_band from mart_victim_offender_profile where area_level = 'county' "
                                        "and offence_group = 'All offences' and role = 'victim' and is_modal_band")
    assert modal == [(band.value_counts().idxmax(),)]
    shares = query(warehouses["duckdb"]["url"], "select offence_group, role, sum(share) from mart_victim_offender_profile "
                                         "where area_level = 'county' group by offence_group, role")
    assert all(s == pytest.approx(1.0) for _, _, s in shares)


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
    from tasks.recorded_crime.schema import CURATED_SCHEMA

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
            "source_row": n, "source_sha256": "f" * 64, "run_id": "r"})
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

    from tasks.recorded_crime.schema import CURATED_SCHEMA
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
        {"band_set": "victim_offender", "label": label, "min_age": lo, "max_age": hi, "source_sha256": "e" * 64, "run_id": "r"}
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
    }


def test_offence_group_harm_and_serious_violence_rates_match_a_hand_computed_answer(warehouse_url):
    import datetime as dt

    import pyarrow as pa

    from tasks.recorded_crime.schema import CURATED_SCHEMA
    from tests.integration.test_marts import load_fixture_reference
    from warehouse.engine import ensure_schema, open_engine
    from warehouse.load import bulk_insert_arrow
    from warehouse.marts import build_marts

    base = {name: None for name in CURATED_SCHEMA.names} | {
        "month": dt.date(2019, 6, 1), "force": "lancashire", "recorded_date": dt.date(2019, 6, 3), "has_location": True,
        "out_of_area": False, "force_area_code": "E23000003", "force_area_name": "Lancashire", "is_domestic_abuse": False,
        "is_alcohol_related": False, "is_knife_crime": False, "is_online": False, "is_hate_crime": False,
        "source_sha256": "f" * 64, "run_id": "r"}
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
    classes = pd.read_csv(SAMPLE / "reference" / "offence_classification_SAMPLE.csv", dtype=str)
    frame = raw.merge(classes[["offence_code", "offence_subgroup"]], how="left", on="offence_code")
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
@pytest.mark.parametrize("backend", BACKENDS)
def test_reloading_the_same_extracts_changes_nothing(warehouses, backend, tmp_path):
    url = warehouses[backend]["url"]
    content = ("select crime_ref, month, ho_offence_code, is_serious_violence, authority_name, source_sha256 "
               "from fact_recorded_crime")
    before = sorted(query(url, content))
    ingest_reference(source=SAMPLE_REFERENCE, workdir=str(tmp_path), warehouse_url=url)
    ingest_recorded_crime(source=SAMPLE_SOURCE, months="2019-05:2019-06", workdir=str(tmp_path), warehouse_url=url)
    assert sorted(query(url, content)) == before
    assert query(url, "select count(*) - count(distinct crime_ref) from fact_recorded_crime") == [(0,)]
