"""mart_crime_trend against a hand-computed answer on a small fixture and against an independent
pandas computation on the real sample; DuckDB and PostgreSQL give identical facts and marts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import sqlalchemy as sa

from tasks.feed import loaded
from tasks.police_uk.schema import CURATED_SCHEMA as _CURATED_SCHEMA
from tests.conftest import BACKENDS, SAMPLE, assert_marts_identical, assert_parts_add_up, query
from warehouse.engine import ensure_schema, open_engine
from warehouse.load import bulk_insert_arrow
from warehouse.marts import build_marts, build_order, discover_marts

CURATED_SCHEMA = loaded(_CURATED_SCHEMA)  # as the warehouse holds it, with load_id


def fact_rows(specs, repeats: int = 0, asb: int = 0) -> pa.Table:
    """Curated rows from (month, crime_type, authority, bcu, out_of_area, has_location, count), then
    `repeats` more rows repeating the last row's Crime ID and `asb` ASB rows (no ID) in April 2020."""
    rows = []
    for month, crime_type, authority, bcu, out_of_area, located, count in specs:
        for _ in range(count):
            n = len(rows) + 1
            rows.append({
                "month": month, "force": "lancashire", "force_area_code": "E23000003",
                "force_area_name": "Lancashire", "crime_id": f"{n:064x}", "crime_id_occurrence": 1,
                "crime_id_repeats": 1, "crime_type": crime_type, "is_asb": False,
                "has_location": located, "out_of_area": out_of_area,
                "authority_code": {"Blackburn with Darwen": "E06000008", "Preston": "E07000123", "Wigan": "E08000010"}.get(authority),
                "authority_name": authority, "bcu": bcu, "source_row": n, "load_id": 1,
            })
    for k in range(repeats):
        rows.append(rows[-1 - k] | {"crime_id_occurrence": 2 + k, "crime_id_repeats": 1 + repeats, "source_row": len(rows) + 1})
    for _ in range(asb):
        rows.append(rows[0] | {"month": dt.date(2020, 4, 1), "crime_id": None, "crime_id_occurrence": None,
                               "crime_id_repeats": None, "crime_type": "Anti-social behaviour", "is_asb": True,
                               "source_row": len(rows) + 1})
    return pa.Table.from_pylist(rows, schema=CURATED_SCHEMA)


FIXTURE = [
    (dt.date(2019, 4, 1), "Burglary", "Blackburn with Darwen", "East", False, True, 2),
    (dt.date(2019, 5, 1), "Burglary", "Blackburn with Darwen", "East", False, True, 1),
    (dt.date(2019, 6, 1), "Robbery", "Preston", "South", False, True, 1),
    (dt.date(2020, 4, 1), "Robbery", "Preston", "South", False, True, 1),
    (dt.date(2020, 4, 1), "Robbery", "Wigan", None, True, True, 1),
    (dt.date(2020, 6, 1), "Drugs", None, None, False, False, 1),
    (dt.date(2020, 4, 1), "Burglary", "Blackburn with Darwen", "East", False, True, 1),
]


def trend(url: str) -> dict:
    rows = query(url, "select area_level, area_name, financial_year, crime_type, crimes, previous_year_crimes, "
                      "change, change_ratio, months_covered, comparable_months, change_basis from mart_crime_trend")
    return {r[:4]: r[4:] for r in rows}


def test_mart_crime_trend_matches_a_hand_computed_answer(warehouse_url):
    engine = open_engine(warehouse_url)
    ensure_schema(engine)
    with engine.begin() as conn:
        # the last burglary's Crime ID is published twice more: it counts once; 2 ASB rows count as 2
        bulk_insert_arrow(conn, "fact_street_crime", fact_rows(FIXTURE, repeats=2, asb=2), CURATED_SCHEMA.names)
    assert build_marts(engine).built[0] == "mart_crime_trend"
    engine.dispose()
    got = trend(warehouse_url)
    basis = "Apr, Jun of both years"  # 2019/20 has Apr, May, Jun; 2020/21 Apr, Jun: only Apr and Jun compare
    assert got[("county", "Lancashire", "2019/20", "Burglary")] == (3, None, None, None, 3, None, None)
    assert got[("county", "Lancashire", "2020/21", "Burglary")] == (1, 3, -1, pytest.approx(-0.5), 2, 2, basis)
    assert got[("county", "Lancashire", "2020/21", "Robbery")] == (2, 1, 1, pytest.approx(1.0), 2, 2, basis)
    assert got[("county", "Lancashire", "2020/21", "Drugs")] == (1, 0, 1, None, 2, 2, basis)
    assert got[("county", "Lancashire", "2020/21", "Anti-social behaviour")] == (2, 0, 2, None, 2, 2, basis)
    # BCU and authority: rows located inside them; Wigan (out of area) and the unlocated row fall to the remainder
    assert got[("bcu", "East", "2020/21", "Burglary")] == (1, 3, -1, pytest.approx(-0.5), 2, 2, basis)
    assert got[("bcu", "Not allocated to a BCU", "2020/21", "Robbery")] == (1, 0, 1, None, 2, 2, basis)
    assert got[("authority", "Not allocated to an authority", "2020/21", "Drugs")] == (1, 0, 1, None, 2, 2, basis)
    assert got[("authority", "Preston", "2019/20", "Robbery")] == (1, None, None, None, 3, None, None)
    assert got[("authority", "Preston", "2020/21", "Robbery")] == (1, 1, 0, pytest.approx(0.0), 2, 2, basis)
    assert not any(k[1] == "Wigan" for k in got)
    # a full grid: 1 county + 3 BCU rows + 3 authority rows (remainders included), 2 years, 4 types
    assert len(got) == 7 * 2 * 4
    # the parts add up to the whole at every level, for every year and category
    for (level, name, year, crime_type), value in got.items():
        if level == "county":
            for part_level in ("bcu", "authority"):
                parts = sum(v[0] for k, v in got.items() if k[0] == part_level and k[2:] == (year, crime_type))
                assert parts == value[0], (part_level, year, crime_type)


def insert_rows(engine, table: str, rows: list[dict]) -> None:
    with engine.begin() as conn:
        bulk_insert_arrow(conn, table, pa.Table.from_pylist(rows), list(rows[0]))


def load_fixture_reference(engine, with_drugs_weight: bool = False) -> None:
    lineage = {"load_id": 1}
    insert_rows(engine, "dim_geography", [
        {"lsoa_code": code, "authority_code": auth, "authority_name": name, "force_area_code": "E23000003",
         "force_area_name": "Lancashire", "force": "lancashire", "bcu": bcu, "geography_vintage": "test", **lineage}
        for code, auth, name, bcu in [("E01000001", "E06000008", "Blackburn with Darwen", "East"),
                                      ("E01000002", "E06000008", "Blackburn with Darwen", "East"),
                                      ("E01000003", "E07000123", "Preston", "South")]])
    insert_rows(engine, "ref_population", [
        {"year": year, "lsoa_code": code, "population": pop, **lineage}
        for year, code, pop in [(2019, "E01000001", 1000), (2019, "E01000002", 1000), (2019, "E01000003", 500),
                                (2020, "E01000001", 1000), (2020, "E01000002", 1000)]])  # Preston's 2020 missing
    weights = [("Burglary", 438.0), ("Robbery", 746.0)] + ([("Drugs", 9.0)] if with_drugs_weight else [])
    insert_rows(engine, "ref_css_weights_policeuk", [
        {"police_uk_crime_type": t, "weight": w, "weight_statistic": "median_weight", "weights_version": "v-test", **lineage}
        for t, w in weights])


def exact_poisson_limits(k: int) -> tuple[float, float]:
    """The 95% limits for a Poisson mean given k events: P(X >= k) = 2.5% and P(X <= k) = 2.5%."""
    from scipy.optimize import brentq
    from scipy.stats import poisson

    lower = 0.0 if k == 0 else brentq(lambda m: poisson.sf(k - 1, m) - 0.025, 1e-9, 10 * k + 10)
    return lower, brentq(lambda m: poisson.cdf(k, m) - 0.025, 1e-9, 10 * k + 20)


def conditional_poisson_p(k1: int, exposure1: float, k2: int, exposure2: float) -> float:
    """The two-sided conditional test of two Poisson counts by scipy's binomial test: given k1 + k2,
    k2 is Binomial(k1 + k2, exposure2 / (exposure1 + exposure2)); twice the smaller tail."""
    from scipy.stats import binomtest

    share = exposure2 / (exposure1 + exposure2)
    tails = [binomtest(k2, k1 + k2, share, alternative=side).pvalue for side in ("less", "greater")]
    return min(1.0, 2 * min(tails))


def test_rates_and_harm_match_a_hand_computed_answer(warehouse_url):
    engine = open_engine(warehouse_url)
    ensure_schema(engine)
    with engine.begin() as conn:
        bulk_insert_arrow(conn, "fact_street_crime", fact_rows(FIXTURE), CURATED_SCHEMA.names)
    load_fixture_reference(engine)
    build_marts(engine)
    with engine.connect() as conn:  # no force extract: Figure 1 falls back to police.uk, and says so
        from tasks.evidence import figures

        fallback = figures.volume_harm(conn, None, "lancashire")
    engine.dispose()
    assert {"Burglary", "Robbery"} <= {r["category"] for r in fallback.rows}
    assert "police.uk street crime" in fallback.note and "the force extract is not loaded" in fallback.note
    rates = {r[:4]: r[4:] for r in query(warehouse_url, "select area_level, area_name, financial_year, measure, count, "
                                                         "located_count, population, rate_per_1000, rank, is_annualised "
                                                         "from mart_area_rates")}
    # 2019/20 holds 3 months (Apr-Jun): rates are annualised (x 12/3) and say so
    assert rates[("authority", "Blackburn with Darwen", "2019/20", "all_crime")] == (3, 3, 2000, pytest.approx(6.0), 2, True)
    assert rates[("authority", "Preston", "2019/20", "all_crime")] == (1, 1, 500, pytest.approx(8.0), 1, True)
    # the county, alone at its level, has a rate but no rank
    assert rates[("county", "Lancashire", "2019/20", "all_crime")] == (4, 4, 2500, pytest.approx(6.4), None, True)
    assert rates[("bcu", "East", "2019/20", "Burglary")] == (3, 3, 2000, pytest.approx(6.0), 1, True)
    # an area missing an LSOA's estimate has no population and no rate, never a partial one
    assert rates[("county", "Lancashire", "2020/21", "all_crime")] == (4, 2, None, None, None, True)
    assert rates[("authority", "Preston", "2020/21", "Robbery")] == (1, 1, None, None, None, True)
    assert rates[("authority", "Blackburn with Darwen", "2020/21", "all_crime")] == (1, 1, 2000, pytest.approx(3.0), 1, True)
    # the remainder states the crimes no rate counts: Wigan (out of area) and the unlocated drugs crime
    assert rates[("authority", "Not allocated to an authority", "2020/21", "all_crime")] == (2, 0, None, None, None, True)
    interval = dict(((r[0], r[1]), r[2:]) for r in query(
        warehouse_url, "select area_name, financial_year, rate_lower, rate_upper from mart_area_rates "
                       "where measure = 'all_crime' and area_level = 'authority'"))
    # the exact Poisson interval found by root-finding on the Poisson distribution, not chi-square tables
    lower, upper = exact_poisson_limits(3)
    assert interval[("Blackburn with Darwen", "2019/20")] == (pytest.approx(lower / 2000 * 1000 * 4), pytest.approx(upper / 2000 * 1000 * 4))
    lower, upper = exact_poisson_limits(1)
    assert interval[("Blackburn with Darwen", "2020/21")] == (pytest.approx(lower / 2000 * 1000 * 6), pytest.approx(upper / 2000 * 1000 * 6))

    harm = {r[:3]: r[3:] for r in query(warehouse_url, "select area_name, financial_year, category, crimes, volume_share, "
                                                        "harm, harm_share, unweighted_crimes, weights_version "
                                                        "from mart_crime_volume_harm where area_level = 'county'")}
    # county 2020/21: Burglary 1 x 438, Robbery 2 x 746, Drugs 1 with no weight
    assert harm[("Lancashire", "2020/21", "Burglary")] == (1, 0.25, 438.0, pytest.approx(438 / 1930), 0, "v-test")
    assert harm[("Lancashire", "2020/21", "Robbery")] == (2, 0.5, 1492.0, pytest.approx(1492 / 1930), 0, "v-test")
    assert harm[("Lancashire", "2020/21", "Drugs")] == (1, 0.25, None, None, 1, "v-test")
    for fy in ("2019/20", "2020/21"):
        rows = [v for k, v in harm.items() if k[1] == fy]
        assert sum(r[1] for r in rows) == pytest.approx(1.0)
        assert sum(r[3] or 0 for r in rows) == pytest.approx(1.0)


def test_marts_rebuild_only_what_a_feed_changes_in_the_order_their_sql_reads_each_other(tmp_path):
    (tmp_path / "a.sql").write_text("-- feeds: x\nselect 1 as v")
    (tmp_path / "b.sql").write_text("-- a comment naming c is not a read: from c\nselect * from a")
    (tmp_path / "c.sql").write_text("-- feeds: y\nselect 2 as v")
    (tmp_path / "d.sql").write_text("-- feeds: z\nwith\n\nfinal as (select a.v from b join a on true)\n\nselect * from final")
    marts = discover_marts(tmp_path)
    assert (marts["b"].depends_on, marts["d"].depends_on) == (("a",), ("a", "b"))
    assert build_order(marts, ["x"]) == ["a", "b", "d"]
    assert build_order(marts, ["y"]) == ["c"]
    assert build_order(marts, ["z"]) == ["a", "b", "d"]
    assert build_order(marts) == ["a", "b", "c", "d"]


def test_a_mart_gets_the_shared_models_its_sql_reads_each_after_those_it_reads(tmp_path):
    shared = tmp_path / "models"
    shared.mkdir()
    (shared / "rows.sql").write_text("select 1 as v")
    (shared / "totals.sql").write_text("-- reads rows\nselect sum(v) as v from rows")
    (shared / "unused.sql").write_text("select 3 as v")
    (tmp_path / "m.sql").write_text("-- grain: v\nwith\n\nfinal as (select * from totals)\n\nselect * from final")
    mart = discover_marts(tmp_path)["m"]
    assert mart.uses == ("rows", "totals")
    engine = open_engine(f"duckdb:///{tmp_path / 'shared.duckdb'}")
    with engine.connect() as conn:
        assert conn.execute(sa.text(mart.select(shared))).all() == [(1,)]
    engine.dispose()
    # the old declarations are refused rather than left to drift from the SQL
    (tmp_path / "old.sql").write_text("-- depends_on: m\nselect * from m")
    with pytest.raises(ValueError, match="old: what a mart reads comes from its SQL"):
        discover_marts(tmp_path)


@pytest.fixture(scope="module")
def both_loaded(tmp_path_factory, prefect_api):
    """The real sample loaded: {backend: {url, where, result}}, PostgreSQL only when a test asks for it."""
    from flows.ingest_police_uk import ingest_police_uk
    from tests.conftest import SAMPLE_ZIP
    from tests.integration.conftest import load_backends

    backends = load_backends(tmp_path_factory, "sample", lambda where: ingest_police_uk(source=str(SAMPLE_ZIP), **where))
    yield backends
    backends.close()


@pytest.mark.postgres
def test_duckdb_and_postgres_give_identical_facts_and_marts(both_loaded):
    facts = "select month, crime_type, authority_name, bcu, out_of_area, count(*) from fact_street_crime group by 1, 2, 3, 4, 5"
    assert sorted(query(both_loaded["duckdb"]["url"], facts), key=str) == sorted(query(both_loaded["postgres"]["url"], facts), key=str)
    marts = assert_marts_identical(both_loaded["duckdb"]["url"], both_loaded["postgres"]["url"])
    assert {"mart_crime_trend", "mart_area_rates", "mart_crime_volume_harm", "mart_threat_ranking"} <= set(marts)


@pytest.fixture(scope="module")
def raw_street() -> pd.DataFrame:
    """The sample's street CSVs as published, counted by the rule with pandas alone: a crime is one
    Crime ID per month (its first row), an ASB row (no ID) one incident; with each row's financial
    year, and its authority and BCU from the reference CSVs ('unallocated' when unlocated or outside)."""
    import zipfile

    from tests.conftest import SAMPLE_ZIP

    with zipfile.ZipFile(SAMPLE_ZIP) as archive:
        frame = pd.concat(pd.read_csv(archive.open(n), dtype=str) for n in sorted(archive.namelist()) if n.endswith("street.csv"))
    counted = frame[frame["Crime ID"].isna() | ~frame.duplicated(["Month", "Crime ID"])].copy()
    lookup = pd.read_csv(SAMPLE / "reference" / "LSOA11_WD19_LAD19_EW_LU_lancashire.csv").set_index("LSOA11CD")
    bcus = pd.read_csv(SAMPLE / "reference" / "bcu.csv")
    bcu_of = dict(zip(bcus["authority_name"], bcus["bcu"]))
    counted["authority"] = counted["LSOA code"].map(lookup["LAD19NM"]).fillna("unallocated")
    counted["bcu"] = counted["authority"].map(bcu_of).fillna("unallocated")
    year = counted["Month"].str[:4].astype(int) - (counted["Month"].str[5:7].astype(int) < 4)
    counted["fy"] = year.astype(str) + "/" + ((year + 1) % 100).astype(str).str.zfill(2)
    assert len(frame) - len(counted) > 0, "the sample should hold repeated Crime IDs for the rule to matter"
    return counted


def test_mart_crime_trend_counts_equal_a_count_of_the_raw_csvs(both_loaded, raw_street):
    url = both_loaded["duckdb"]["url"]
    expected = {("county", fy, t): n for (fy, t), n in raw_street.groupby(["fy", "Crime type"]).size().items()}
    expected |= {("bcu", b, fy, t): n for (b, fy, t), n in raw_street.groupby(["bcu", "fy", "Crime type"]).size().items()}
    expected |= {("authority", a, fy, t): n
                 for (a, fy, t), n in raw_street.groupby(["authority", "fy", "Crime type"]).size().items()}
    got = {(level, fy, t) if level == "county" else (level, code if code == "unallocated" else name, fy, t): n
           for level, code, name, fy, t, n in query(url, "select area_level, area_code, area_name, financial_year, "
                                                          "crime_type, crimes from mart_crime_trend where crimes > 0")}
    assert got == expected
    assert len({k[1] for k in got if k[0] == "authority"}) == 15  # 14 authorities and the remainder


def test_rates_and_harm_equal_an_independent_pandas_computation(both_loaded, raw_street):
    url = both_loaded["duckdb"]["url"]
    lookup = pd.read_csv(SAMPLE / "reference" / "LSOA11_WD19_LAD19_EW_LU_lancashire.csv")
    population = pd.read_csv(SAMPLE / "reference" / "lancashire_population_2014_2020.csv")
    pop = population[population["Year"] == 2019].merge(lookup, left_on="LSOA Code", right_on="LSOA11CD")
    pop_by_authority = pop.groupby("LAD19NM")["Population"].sum()
    crimes = raw_street[raw_street["Crime type"] != "Anti-social behaviour"]
    months = raw_street["Month"].nunique()
    located = crimes[crimes["authority"] != "unallocated"]
    annualised = 12 / months
    expected = (located.groupby("authority").size() * 1000 / pop_by_authority * annualised).sort_values(ascending=False)
    got = query(url, "select area_name, rate_per_1000, rank from mart_area_rates where area_level = 'authority' "
                     "and measure = 'all_crime' and financial_year = '2019/20' and rank is not null order by rank")
    assert [name for name, _, _ in got] == list(expected.index)
    assert [rate for _, rate, _ in got] == pytest.approx(list(expected.values))
    assert [name for name, _, _ in got[:4]] == ["Blackpool", "Preston", "Burnley", "Blackburn with Darwen"]
    # the county's rate sits beside them on the same basis: located crimes per resident
    (county_rate, county_count, county_located), = query(
        url, "select rate_per_1000, count, located_count from mart_area_rates where area_level = 'county' "
             "and measure = 'all_crime' and financial_year = '2019/20' and source = 'police_uk'")
    assert (county_count, county_located) == (len(crimes), len(located))
    assert county_rate == pytest.approx(len(located) * 1000 / pop_by_authority.sum() * annualised)

    weights = pd.read_csv(SAMPLE / "reference" / "css_weights_by_policeuk_crime_type.csv").set_index("police_uk_crime_type")
    county = crimes.groupby("Crime type").size()
    harm = county * weights["median_weight"].reindex(county.index)
    got = dict(query(url, "select category, harm_share from mart_crime_volume_harm "
                          "where area_level = 'county' and financial_year = '2019/20'"))
    assert got == pytest.approx((harm / harm.sum()).to_dict())


STREET_PARTS = [  # mart, values that add up, the keys of a cell besides the area, the levels that add up
    ("mart_crime_trend", ["crimes"], ["source", "financial_year", "crime_type"], ("bcu", "authority")),
    ("mart_area_rates", ["count"], ["source", "financial_year", "measure"], ("authority",)),
    ("mart_harm", ["harm", "crimes"], ["source", "financial_year"], ("bcu", "authority")),
    ("mart_crime_volume_harm", ["crimes"], ["source", "financial_year", "category"], ("bcu", "authority")),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("mart,values,keys,levels", STREET_PARTS, ids=[p[0] for p in STREET_PARTS])
def test_every_street_crime_breakdown_adds_up_to_the_county(both_loaded, backend, mart, values, keys, levels):
    assert assert_parts_add_up(both_loaded[backend]["url"], mart, values, keys, levels) >= 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_police_uk_harm_per_head_and_its_concentration_equal_pandas(both_loaded, raw_street, backend):
    url = both_loaded[backend]["url"]
    weights = pd.read_csv(SAMPLE / "reference" / "css_weights_by_policeuk_crime_type.csv").set_index("police_uk_crime_type")
    crimes = raw_street[raw_street["Crime type"] != "Anti-social behaviour"].copy()
    crimes["weight"] = crimes["Crime type"].map(weights["median_weight"])
    population = pd.read_csv(SAMPLE / "reference" / "lancashire_population_2014_2020.csv")
    lookup = pd.read_csv(SAMPLE / "reference" / "LSOA11_WD19_LAD19_EW_LU_lancashire.csv")
    pop = population[population["Year"] == 2019].merge(lookup, left_on="LSOA Code", right_on="LSOA11CD")
    residents = pop.groupby("LAD19NM")["Population"].sum()
    annualised = 12 / raw_street["Month"].nunique()
    got = {name: rest for name, *rest in query(url, "select area_name, harm, harm_per_1000, crimes, weighted_crimes "
                                                    "from mart_harm where source = 'police_uk' and area_level = 'authority'")}
    for name, group in crimes[crimes["authority"] != "unallocated"].groupby("authority"):
        harm = group["weight"].sum()
        assert got[name][0] == pytest.approx(harm), name
        assert got[name][1] == pytest.approx(harm * 1000 * annualised / residents[name]), name
        assert got[name][2:] == [len(group), int(group["weight"].notna().sum())], name
    ordered = crimes["weight"].dropna().sort_values(ascending=False).to_numpy()
    shares = dict(query(url, "select top_volume_percent, harm_share from mart_harm_concentration where source = 'police_uk' "
                             "and area_level = 'county'"))
    assert set(shares) == {1, 5, 10, 20, 50}
    for percent, share in shares.items():
        top = int(np.ceil(len(ordered) * percent / 100))
        assert share == pytest.approx(ordered[:top].sum() / ordered.sum()), percent


@pytest.mark.parametrize("backend", BACKENDS)
def test_threat_ranking_is_table_1(both_loaded, backend):
    rows = query(both_loaded[backend]["url"], "select rank, threat, organisational_risk_indicator from mart_threat_ranking order by rank")
    assert len(rows) == 13
    assert rows[0] == (1, "Gun & Knife Crime", 3) and rows[-1] == (13, "Robbery & Burglary", 1)


def test_concurrent_loads_of_one_partition_never_duplicate_rows(warehouse_url):
    import threading

    from tasks.publish import PartitionLoad, publish

    engine = open_engine(warehouse_url)
    ensure_schema(engine)
    rows = fact_rows([(dt.date(2020, 4, 1), "Burglary", "Preston", "South", False, True, 500)])
    load = PartitionLoad("fact_street_crime", CURATED_SCHEMA.names, rows.num_rows,
                         {"force": "lancashire", "month": dt.date(2020, 4, 1)}, arrow=rows)
    errors = []

    def run():
        try:
            publish(open_engine(warehouse_url), [load], [])
        except Exception as exc:  # DuckDB may refuse the second writer outright: that is also no duplicate
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert query(warehouse_url, "select count(*) from fact_street_crime") == [(500,)]
    assert len(errors) < 4


def test_every_mart_declares_its_grain_and_a_broken_grain_fails_the_build_by_name(tmp_path):
    from warehouse.marts import Mart, MartGrainError, check_grain

    marts = discover_marts()
    assert all(m.grain for m in marts.values()), [n for n, m in marts.items() if not m.grain]
    engine = open_engine(f"duckdb:///{tmp_path / 'grain.duckdb'}")
    with engine.begin() as conn:
        conn.execute(sa.text("create table mart_x as select * from (values ('E1', 2020, 1), ('E1', 2020, 2), ('E2', 2020, 3)) "
                             "as t (area_code, year, n)"))
        check_grain(conn, Mart("mart_x", "", (), (), grain=("area_code", "year", "n")))
        with pytest.raises(MartGrainError, match=r"mart_x: 2 rows share its grain \(area_code, year\).*'E1'"):
            check_grain(conn, Mart("mart_x", "", (), (), grain=("area_code", "year")))
    engine.dispose()


def load_two_forces_extract_and_reoffending(engine) -> None:
    """Force extract rows (domestic abuse: Preston 2 of 4, Blackburn with Darwen 1 of 4, Allerdale 4
    of 4) and MoJ reoffending for an authority of each force."""
    from tasks.feed import loaded
    from tasks.recorded_crime.schema import CURATED_SCHEMA as _EXTRACT_SCHEMA
    EXTRACT_SCHEMA = loaded(_EXTRACT_SCHEMA)  # as the warehouse holds it, with load_id
    from tasks.feed import loaded
    from tasks.reoffending.moj_checks import TABLES_SCHEMA as _TABLES_SCHEMA
    TABLES_SCHEMA = loaded(_TABLES_SCHEMA)  # as the warehouse holds it, with load_id
    from tests.integration.test_reoffending_marts import tool_rows

    areas = {"Preston": ("lancashire", "E07000123", "South", "E23000003", "Lancashire", 2),
             "Blackburn with Darwen": ("lancashire", "E06000008", "East", "E23000003", "Lancashire", 1),
             "Allerdale": ("cumbria", "E07000026", None, "E23000002", "Cumbria", 4)}
    rows = []
    for name, (force, code, bcu, pfa_code, pfa, abused) in areas.items():
        for i in range(4):
            rows.append({c: None for c in EXTRACT_SCHEMA.names} | {
                "force": force, "crime_ref": f"{force[:2].upper()}-{len(rows):08d}", "month": dt.date(2019, 4, 1),
                "recorded_date": dt.date(2019, 4, 2), "authority_code": code, "authority_name": name, "bcu": bcu,
                "force_area_code": pfa_code, "force_area_name": pfa, "has_location": True, "out_of_area": False,
                "ho_offence_code": "8N", "offence_group": "Violence against the person", "weight": 112.0,
                "is_domestic_abuse": i < abused, "is_alcohol_related": False, "is_knife_crime": False, "is_online": False,
                "is_hate_crime": False, "is_serious_violence": False, "source_row": len(rows) + 1,
                "load_id": 1})
    moj = [r for r in tool_rows() if r["geography"] == "Preston"]
    moj += [r | {"geography": "Allerdale", "authority_code": "E07000026"} for r in moj]
    with engine.begin() as conn:
        bulk_insert_arrow(conn, "fact_recorded_crime", pa.Table.from_pylist(rows, schema=EXTRACT_SCHEMA), EXTRACT_SCHEMA.names)
        bulk_insert_arrow(conn, "fact_moj_reoffending", pa.Table.from_pylist(moj, schema=TABLES_SCHEMA), TABLES_SCHEMA.names)


def test_two_forces_rank_and_share_within_their_own_force(warehouse_url):
    """A warehouse holding two forces (as after --force all): ranks restart per force, and the
    report's figures read the partnership's force only."""
    from tasks.evidence import figures

    engine = open_engine(warehouse_url)
    ensure_schema(engine)
    lancashire = fact_rows(FIXTURE)
    cumbria = pa.Table.from_pylist([r | {"force": "cumbria", "force_area_code": "E23000002", "force_area_name": "Cumbria",
                                         "authority_code": "E07000026", "authority_name": "Allerdale", "bcu": None,
                                         "out_of_area": False, "crime_id": f"c{n:063x}"}
                                    for n, r in enumerate(fact_rows(FIXTURE * 3).to_pylist())], schema=CURATED_SCHEMA)
    with engine.begin() as conn:
        for table in (lancashire, cumbria):
            bulk_insert_arrow(conn, "fact_street_crime", table, CURATED_SCHEMA.names)
    load_fixture_reference(engine)
    lineage = {"load_id": 1}
    insert_rows(engine, "dim_geography", [{"lsoa_code": "E01019000", "authority_code": "E07000026", "authority_name": "Allerdale",
                                           "force_area_code": "E23000002", "force_area_name": "Cumbria", "force": "cumbria",
                                           "bcu": None, "geography_vintage": "test", **lineage}])
    insert_rows(engine, "ref_population", [{"year": 2019, "lsoa_code": "E01019000", "population": 100, **lineage}])
    load_two_forces_extract_and_reoffending(engine)
    build_marts(engine)
    ranks = {r[:2]: r[2] for r in query(warehouse_url, "select force, area_name, rank from mart_area_rates where "
                                                       "area_level = 'authority' and measure = 'all_crime' "
                                                       "and financial_year = '2019/20' and source = 'police_uk'")}
    # Allerdale's rate (far the highest) does not push Lancashire's authorities down
    assert ranks[("cumbria", "Allerdale")] == 1
    assert ranks[("lancashire", "Preston")] == 1 and ranks[("lancashire", "Blackburn with Darwen")] == 2
    counties = dict(query(warehouse_url, "select force, sum(crimes) from mart_crime_trend where area_level = 'county' "
                                         "and source = 'police_uk' group by force"))
    assert counties == {"lancashire": 8, "cumbria": 24}
    with engine.connect() as conn:
        rows = figures.rates(conn, None, "lancashire").rows
        trend_rows = figures.trend(conn, None, "lancashire").rows
    assert {r["area_name"] for r in rows} == {"Lancashire", "Blackburn with Darwen", "Preston", "Not allocated to an authority"}
    assert sum(r["crimes"] for r in trend_rows) == 4  # Lancashire's 2020/21 crimes, not Cumbria's
    # domestic abuse shares and harm per head rank within each force too
    da = {r[:2]: r[2:] for r in query(warehouse_url, "select force, area_name, domestic_abuse_share, share_rank "
                                                     "from mart_domestic_abuse where area_level = 'authority' "
                                                     "and area_code <> 'unallocated'")}
    assert da == {("lancashire", "Preston"): (0.5, 1), ("lancashire", "Blackburn with Darwen"): (0.25, 2),
                  ("cumbria", "Allerdale"): (1.0, 1)}
    harm_ranks = {r[:2]: r[2] for r in query(warehouse_url, "select force, area_name, rank from mart_harm where source = "
                                                            "'police_uk' and area_level = 'authority' and rank is not null "
                                                            "and financial_year = '2019/20'")}
    assert harm_ranks[("cumbria", "Allerdale")] == 1
    assert sorted(v for k, v in harm_ranks.items() if k[0] == "lancashire") == [1, 2]
    # the report's domestic abuse and reoffending figures are the partnership's force alone
    with engine.connect() as conn:
        da_rows = figures.domestic_abuse(conn, None, "lancashire").rows
        reoffending_rows = figures.reoffending_rate(conn, None, "lancashire").rows
        harm_figure = figures.volume_harm(conn, None, "lancashire")
        cumbria_harm = figures.volume_harm(conn, None, "cumbria")
        trend_window = figures.trend(conn, None, "lancashire").window
    engine.dispose()
    # Figure 1 uses the offence-coded extract where it is loaded, and says which it used
    assert {r["category"] for r in harm_figure.rows} == {"Violence against the person"}
    assert "force extract" in harm_figure.note and "Home Office offence code" in harm_figure.note
    assert harm_figure.window == "financial year 2019/20 (part year: 1 of 12 months)"
    # Cumbria's extract is loaded too; a force with only police.uk falls back, as the hand test below shows
    assert "force extract" in cumbria_harm.note
    # the window says which year the table shows and that it is a part year
    assert trend_window.startswith("financial years 2019/20 to 2020/21; the table: ")
    assert "police_uk 2020/21 (part year: 2 of 12 months)" in trend_window
    assert {r["area_name"] for r in da_rows} == {"Lancashire", "Blackburn with Darwen", "Preston",
                                                 "Not allocated to an authority"}
    assert {r["area_name"] for r in reoffending_rows} == {"Lancashire"}
    assert query(warehouse_url, "select count(distinct area_name) from mart_reoffending_rate "
                                "where area_level = 'force_area'") == [(2,)]


def test_the_financial_year_functions_agree_on_both_warehouses(warehouse_url):
    engine = open_engine(warehouse_url)
    ensure_schema(engine)
    ensure_schema(engine)  # created again over themselves on every load, never in the way
    engine.dispose()
    got = query(warehouse_url, "select csp_fy_start(cast('2020-03-31' as date)), csp_fy_start(cast('2020-04-01' as date)), "
                               "csp_fy_start(cast('2000-01-15' as date)), csp_financial_year(2019), csp_financial_year(1999)")
    assert got == [(2019, 2020, 1999, "2019/20", "1999/00")]
