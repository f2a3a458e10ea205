"""Where harm concentrates, on the real sample: LSOA concentration, persistent hotspots, the
deprivation gradient, outcomes and ward counts, each against an answer computed with pandas and
scipy from the bundled files as published (street CSVs, the ONS lookup, the IMD 2019 File 1,
the population CSV, the outcome grouping), never from the warehouse; disclosure control checked
by an attacker's linear algebra; DuckDB and PostgreSQL identical."""

from __future__ import annotations

import io
import math
import zipfile

import numpy as np
import pandas as pd
import pytest

from tests.conftest import REPO, SAMPLE, SAMPLE_ZIP, assert_marts_identical, query
from tests.disclosure_attack import recovered

REFERENCE = SAMPLE / "reference"
EXTRACT = SAMPLE / "recorded_crime" / "recorded_crime_2019-04_2020-03_GENERATED.zip"
EXTRACT_MONTHS = ["2019-12", "2020-01", "2020-02", "2020-03"]  # the street sample's months
DECILE = "Index of Multiple Deprivation (IMD) Decile"  # 1 = the most deprived 10% of England's LSOAs


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, prefect_api):
    """Reference, the four street months and the same months of the force extract: {backend: {url, ...}}."""
    from flows.ingest_police_uk import ingest_police_uk
    from flows.ingest_recorded_crime import ingest_recorded_crime
    from tests.integration.conftest import load_backends

    backends = load_backends(tmp_path_factory, "place", lambda where: (
        ingest_police_uk(source=str(SAMPLE_ZIP), **where),
        ingest_recorded_crime(source=str(EXTRACT), months=f"{EXTRACT_MONTHS[0]}:{EXTRACT_MONTHS[-1]}", **where)))
    yield backends
    backends.close()


@pytest.fixture(scope="module")
def lsoas() -> pd.DataFrame:
    """Every Lancashire LSOA with its ward, authority, BCU, IMD decile and 2019 residents, from the files."""
    lookup = pd.read_csv(REFERENCE / "LSOA11_WD19_LAD19_EW_LU_lancashire.csv")
    bcus = pd.read_csv(REFERENCE / "bcu.csv")
    imd = pd.read_csv(REFERENCE / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz", encoding="utf-8-sig")
    population = pd.read_csv(REFERENCE / "lancashire_population_2014_2020.csv")
    frame = lookup.merge(bcus[["authority_name", "bcu"]], left_on="LAD19NM", right_on="authority_name")
    frame = frame.merge(imd[["LSOA code (2011)", DECILE]], left_on="LSOA11CD", right_on="LSOA code (2011)")
    frame = frame.merge(population[population["Year"] == 2019][["LSOA Code", "Population"]],
                        left_on="LSOA11CD", right_on="LSOA Code")
    assert len(frame) == len(lookup) == 941
    return frame.rename(columns={DECILE: "decile"}).set_index("LSOA11CD")


@pytest.fixture(scope="module")
def street(lsoas) -> pd.DataFrame:
    """The street rows counted by the rule (a Crime ID once per month, each ASB row), with their weight."""
    with zipfile.ZipFile(SAMPLE_ZIP) as archive:
        frame = pd.concat(pd.read_csv(archive.open(n), dtype=str) for n in sorted(archive.namelist()) if n.endswith("street.csv"))
    counted = frame[frame["Crime ID"].isna() | ~frame.duplicated(["Month", "Crime ID"])].copy()
    weights = pd.read_csv(REFERENCE / "css_weights_by_policeuk_crime_type.csv").set_index("police_uk_crime_type")
    counted["asb"] = counted["Crime type"] == "Anti-social behaviour"
    counted["weight"] = np.where(counted["asb"], 0.0, counted["Crime type"].map(weights["median_weight"]))
    counted["in_area"] = counted["LSOA code"].isin(lsoas.index)
    return counted


def area_members(lsoas: pd.DataFrame) -> dict[tuple[str, str], pd.Index]:
    """(area_level, area_code) -> its LSOAs, as the marts name the areas."""
    members = {("county", "E23000003"): lsoas.index}
    members |= {("bcu", b): rows.index for b, rows in lsoas.groupby("bcu")}
    members |= {("authority", a): rows.index for a, rows in lsoas.groupby("LAD19CD")}
    return members


def per_lsoa(street: pd.DataFrame, lsoas: pd.DataFrame) -> pd.DataFrame:
    """Crimes, ASB and harm per LSOA of the area over the sample, every LSOA listed (zero if none)."""
    located = street[street["in_area"]]
    grouped = located.groupby("LSOA code")
    frame = pd.DataFrame({"crime": grouped["asb"].apply(lambda s: (~s).sum()), "asb": grouped["asb"].sum(),
                          "harm": grouped["weight"].sum()})
    return frame.reindex(lsoas.index, fill_value=0)


def test_concentration_equals_a_pandas_ranking_of_the_raw_rows(loaded, street, lsoas):
    values = per_lsoa(street, lsoas)
    got = {(r[0], r[1], r[2], r[3]): r[4:] for r in query(
        loaded["duckdb"]["url"], "select area_level, area_code, measure, top_percent, area_lsoas, lsoas, total, share, "
                                 "lsoas_holding_half from mart_lsoa_concentration where financial_year = '2019/20'")}
    assert len(got) == (1 + 3 + 14) * 3 * 3
    for (level, code), members in area_members(lsoas).items():
        for measure in ("crime", "asb", "harm"):
            ranked = values.loc[members, measure].sort_values(ascending=False)
            half = int(np.argmax(ranked.cumsum().to_numpy() >= ranked.sum() / 2)) + 1
            for percent in (1, 5, 10):
                top = math.ceil(len(members) * percent / 100)
                expected = (len(members), top, pytest.approx(ranked.sum()), pytest.approx(ranked.iloc[:top].sum() / ranked.sum()), half)
                assert got[(level, code, measure, percent)] == expected, (level, code, measure, percent)
    # the headline the closing note quotes: Lancashire's top 5% of LSOAs
    share = got[("county", "E23000003", "crime", 5)][3]
    assert 0.2 < share < 0.3


def test_concentration_intervals_are_scipys_wilson_and_hold_the_harm_share(loaded):
    from scipy.stats import binomtest

    rows = query(loaded["duckdb"]["url"], "select measure, share, share_lower, share_upper, in_top, total "
                                          "from mart_lsoa_concentration where share is not null")
    assert {m for m, *_ in rows} == {"crime", "asb", "harm"}
    for measure, share, lower, upper, in_top, total in rows:
        assert lower < share < upper, (measure, share, lower, upper)
        if measure != "harm":
            ci = binomtest(int(in_top), int(total)).proportion_ci(method="wilson")
            assert (lower, upper) == pytest.approx((ci.low, ci.high))


@pytest.fixture(scope="module")
def extract(lsoas) -> pd.DataFrame:
    """The force extract's four months as sent, one row per crime reference (its latest record)."""
    with zipfile.ZipFile(EXTRACT) as archive:
        frame = pd.concat([pd.read_csv(io.BytesIO(archive.read(f"recorded_crime_{m}.csv")), dtype=str).assign(month=m)
                           for m in EXTRACT_MONTHS])
    frame = frame.sort_values("month").drop_duplicates("crime_ref", keep="last")
    return frame[frame["lsoa_code"].isin(lsoas.index)]


def gradient_expected(amounts: pd.Series, lsoas: pd.DataFrame, members) -> pd.DataFrame:
    """Count, residents and annualised rate per 1,000 by decile of the area's LSOAs (zeros counted)."""
    frame = lsoas.loc[members, ["decile", "Population"]].assign(count=amounts.reindex(members, fill_value=0))
    by = frame.groupby("decile")[["count", "Population"]].sum()
    return by.assign(rate=by["count"] * 1000 * 12 / 4 / by["Population"])


def test_deprivation_gradient_equals_pandas_on_the_real_imd_file(loaded, street, lsoas, extract):
    from scipy.stats import binomtest

    url = loaded["duckdb"]["url"]
    values = per_lsoa(street, lsoas)
    domestic = extract[extract["domestic_abuse_flag"] == "Y"].groupby("lsoa_code").size()
    got = {r[:4]: r[4:] for r in query(url, "select source, measure, area_code, imd_decile, count, population, "
                                            "rate_per_1000, rate_ratio, rate_ratio_lower, rate_ratio_upper, suppressed "
                                            "from mart_deprivation_gradient where area_level in ('county', 'authority')")}
    members = area_members(lsoas)
    checked = 0
    for source, measure, amounts in [("police_uk", "crime", values["crime"]), ("police_uk", "harm", values["harm"]),
                                     ("force_extract", "domestic_abuse", domestic)]:
        for code in ["E23000003"] + sorted(lsoas["LAD19CD"].unique()):
            expected = gradient_expected(amounts, lsoas, members[("county" if code == "E23000003" else "authority", code)])
            for decile, row in expected.iterrows():
                count, population, rate, ratio, ratio_lower, ratio_upper, hidden = got[(source, measure, code, decile)]
                assert population == row["Population"]
                if hidden:
                    assert count is None and rate is None
                    continue
                assert (count, rate) == (pytest.approx(row["count"]), pytest.approx(row["rate"]))
                checked += 1
            if 1 in expected.index and 10 in expected.index and measure != "harm" and not got[(source, measure, code, 1)][-1] \
                    and not got[(source, measure, code, 10)][-1]:
                most, least = expected.loc[1], expected.loc[10]
                _, _, _, ratio, lower, upper, _ = got[(source, measure, code, 1)]
                assert ratio == pytest.approx(most["rate"] / least["rate"])
                # exact: given both counts, the most deprived's is binomial; its Clopper-Pearson limits mapped to the ratio
                ci = binomtest(int(most["count"]), int(most["count"] + least["count"])).proportion_ci(method="exact")
                scale = least["Population"] / most["Population"]
                assert (lower, upper) == pytest.approx((ci.low / (1 - ci.low) * scale, ci.high / (1 - ci.high) * scale))
    assert checked > 400
    # the county's gradient the closing note quotes: the most deprived decile's rate is several times the least's
    assert got[("police_uk", "crime", "E23000003", 1)][3] > 3


def test_deprivation_deciles_add_up_to_the_area_and_suppression_survives_an_attack(loaded):
    rows = query(loaded["duckdb"]["url"], "select source, measure, area_level, area_code, imd_decile, count, crimes, suppressed, "
                                          "suppression from mart_deprivation_gradient")
    frame = pd.DataFrame(rows, columns=["source", "measure", "level", "code", "decile", "count", "crimes", "suppressed", "kind"])
    published = frame[~frame["suppressed"].astype(bool)]
    assert not published["crimes"].between(1, 4).any(), "a cell of 1-4 crimes is published"
    assert (frame["kind"] == "primary").any(), "the sample should exercise the ward rule"
    # every area's total is published elsewhere (mart_area_rates, mart_domestic_abuse): the attacker knows it
    values, relations = {}, []
    for (source, measure), cell in frame.groupby(["source", "measure"]):
        for (level, code), area in cell.groupby(["level", "code"]):
            total = ("total", source, measure, code)
            values[total] = 1.0
            parts = [(source, measure, code, d) for d in area["decile"]]
            values |= {p: (None if h else c) for p, c, h in zip(parts, area["count"], area["suppressed"])}
            relations.append((total, parts))
        for decile, same in cell.groupby("decile"):
            county = same[same["level"] == "county"]["code"].iloc[0]
            relations.append(((source, measure, county, decile),
                              [(source, measure, c, decile) for c in same[same["level"] == "authority"]["code"]]))
    assert recovered(values, relations) == set()


def test_persistent_hotspots_equal_a_pandas_ranking_of_each_month(loaded, street, lsoas):
    located = street[street["in_area"]]
    months = sorted(street["Month"].unique())
    required = math.ceil(len(months) * 0.75)
    expected = {}
    for measure, rows in [("crime", located[~located["asb"]]), ("asb", located[located["asb"]])]:
        monthly = rows.groupby(["LSOA code", "Month"]).size().unstack(fill_value=0).reindex(
            index=lsoas.index, columns=months, fill_value=0)
        for code, members in lsoas.groupby("LAD19CD"):
            table = monthly.loc[members.index]
            top = math.ceil(len(members) / 10)
            in_top = (table.rank(ascending=False, method="min") <= top) & (table > 0)
            for lsoa in in_top.index[in_top.sum(axis=1) >= required]:
                expected[(code, measure, lsoa)] = (int(in_top.loc[lsoa].sum()), int(table.loc[lsoa].sum()))
    got = {r[:3]: r[3:] for r in query(loaded["duckdb"]["url"], "select area_code, measure, lsoa_code, months_in_top_decile, "
                                                               "count from mart_persistent_hotspots")}
    assert got == expected
    assert len(got) > 50
    window = query(loaded["duckdb"]["url"], "select distinct months_in_window, months_required, window_start, window_end "
                                            "from mart_persistent_hotspots")
    assert [(w[0], w[1], str(w[2]), str(w[3])) for w in window] == [(4, 3, "2019-12-01", "2020-03-01")]


def test_outcome_groups_come_from_the_reference_table_and_add_up_to_every_cell(loaded, street):
    groups = pd.read_csv(REFERENCE / "police_uk_outcome_groups.csv").set_index("last_outcome_category")["outcome_group"]
    crimes = street[~street["asb"]]
    expected_all = crimes["Last outcome category"].map(groups).fillna("not grouped").value_counts()
    url = loaded["duckdb"]["url"]
    got = dict(query(url, "select outcome_group, crimes from mart_outcomes where area_level = 'county' "
                          "and crime_type = 'All crime' and months_since_offence = 'all'"))
    assert {g: n for g, n in got.items() if n} == expected_all.to_dict()
    violence = crimes[crimes["Crime type"] == "Violence and sexual offences"]
    charged = (violence["Last outcome category"].map(groups) == "charged or summonsed").mean()
    (share, lower, upper), = query(url, "select share, share_lower, share_upper from mart_outcomes where area_level = 'county' "
                                        "and crime_type = 'Violence and sexual offences' and months_since_offence = 'all' "
                                        "and outcome_group = 'charged or summonsed'")
    assert share == pytest.approx(charged) and lower < share < upper
    # every cell's groups add up to its crimes and to 100%, and the bands to 'all'
    frame = pd.DataFrame(query(url, "select area_level, area_code, financial_year, crime_type, months_since_offence, "
                                    "outcome_group, crimes, cell_crimes, share from mart_outcomes"),
                         columns=["level", "code", "year", "type", "band", "group", "crimes", "cell", "share"])
    cells = frame.groupby(["level", "code", "year", "type", "band"])
    assert (cells["share"].sum() - 1).abs().max() < 1e-9
    assert (cells["crimes"].sum() == cells["cell"].first()).all()
    banded = frame[frame["band"] != "all"].groupby(["level", "code", "year", "type", "group"])["crimes"].sum()
    whole = frame[frame["band"] == "all"].set_index(["level", "code", "year", "type", "group"])["crimes"]
    pd.testing.assert_series_equal(banded.sort_index(), whole.sort_index(), check_names=False)
    # 2020-03 is the newest month: December is 3 months before it, January to March within 0-2
    assert set(frame["band"]) == {"all", "0-2", "3-5"}


def test_outcome_grouping_covers_every_category_the_raw_suite_knows():
    import json

    suite = json.loads((REPO / "expectations" / "police_uk_street" / "raw.json").read_text())
    known = next(e["kwargs"]["value_set"] for e in suite["expectations"] if e["meta"].get("rule") == "outcome_category_known")
    grouped = pd.read_csv(REFERENCE / "police_uk_outcome_groups.csv")["last_outcome_category"]
    assert sorted(grouped) == sorted(known)


def test_wards_and_lsoas_add_up_and_no_small_count_can_be_recovered(loaded, street, lsoas):
    url = loaded["duckdb"]["url"]
    located = street[street["in_area"]].assign(ward=lambda f: f["LSOA code"].map(lsoas["WD19CD"]))
    expected = {("ward", w, "asb" if asb else "crime"): n for (w, asb), n in located.groupby(["ward", "asb"]).size().items()}
    expected |= {("lsoa", c, "asb" if asb else "crime"): n for (c, asb), n in located.groupby(["LSOA code", "asb"]).size().items()}
    rows = query(url, "select area_level, area_code, parent_code, measure, count, suppressed, suppression, is_persistent_hotspot "
                      "from mart_ward_crime where financial_year = '2019/20'")
    frame = pd.DataFrame(rows, columns=["level", "code", "parent", "measure", "count", "suppressed", "kind", "hotspot"])
    parts = frame[frame["level"] != "authority"]
    assert (frame["level"] == "ward").sum() == 2 * lsoas["WD19CD"].nunique() == 2 * 285
    assert (frame["level"] == "lsoa").sum() == 2 * 941
    shown = parts[~parts["suppressed"].astype(bool)]
    assert [n for n in shown["count"]] == [expected.get(k, 0) for k in zip(shown["level"], shown["code"], shown["measure"])]
    assert not shown["count"].between(1, 4).any()
    assert (parts["kind"] == "primary").any() and (parts["kind"] == "secondary").any()
    # a hotspot's count is published in mart_persistent_hotspots: it is never hidden here
    assert not frame[frame["hotspot"].astype(bool)]["suppressed"].astype(bool).any()
    assert frame["hotspot"].astype(bool).sum() == len(query(url, "select 1 from mart_persistent_hotspots"))
    # an authority row is its wards' sum and equals the located count mart_area_rates publishes
    located_counts = dict(query(url, "select area_code || measure, located_count from mart_area_rates where "
                                     "source = 'police_uk' and area_level = 'authority' and measure in ('all_crime', 'asb')"))
    for row in frame[frame["level"] == "authority"].itertuples():
        assert row.count == located_counts[row.code + ("all_crime" if row.measure == "crime" else "asb")]
    # the attacker knows every published count and both sums: authority = its wards, ward = its LSOAs
    values = {(r.code, r.measure): (None if r.suppressed else r.count) for r in frame.itertuples()}
    children = frame.groupby(["parent", "measure"])["code"].apply(list)
    relations = [((r.code, r.measure), [(c, r.measure) for c in children[(r.code, r.measure)] if c != r.code])
                 for r in frame[frame["level"] != "lsoa"].itertuples()]
    assert recovered(values, relations) == set()


@pytest.mark.postgres
def test_place_marts_are_identical_on_duckdb_and_postgres(loaded):
    marts = assert_marts_identical(loaded["duckdb"]["url"], loaded["postgres"]["url"])
    assert {"mart_lsoa_concentration", "mart_persistent_hotspots", "mart_deprivation_gradient", "mart_outcomes",
            "mart_ward_crime"} <= set(marts)

