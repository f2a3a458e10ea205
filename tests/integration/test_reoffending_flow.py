"""Reoffending end to end, on DuckDB and PostgreSQL: the MoJ tables in their three layouts (real
national series, generated geographical tool and overview) and generated local cohort extracts;
row accounting, the national series reproducing its own published proportions with empty
figures kept missing, force area and annual figures as sums of counts, and marts E8 and Table 3
against an independent pandas computation from the raw extracts."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from flows.ingest_moj_reoffending import ingest_moj_reoffending
from flows.ingest_reoffending_cohort import ingest_reoffending_cohort
from tasks.lake_views import serve
from tests.conftest import BACKENDS, SAMPLE, assert_marts_identical, assert_parts_add_up, query
from warehouse.engine import open_engine

pytestmark = pytest.mark.usefixtures("prefect_api")
SERIES = SAMPLE / "moj_reoffending" / "proven_reoffending_data.csv"  # the real national series, bundled
TOOL = SAMPLE / "moj_reoffending" / "reoffending_geographic_tool_GENERATED.xlsx"


@pytest.fixture(params=BACKENDS)
def backend(request, reoffending_loaded):
    return reoffending_loaded[request.param]


def tool_frame() -> pd.DataFrame:
    rows = list(openpyxl.load_workbook(TOOL, read_only=True)["Data"].iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_every_row_is_accounted_for_in_the_load_log(backend, cohort_extracts):
    log = query(backend["url"], "select feed, source_name, rows_in, rows_curated, rows_quarantined, status from etl_load_log "
                                "where feed in ('moj_reoffending', 'reoffending_cohort') order by feed, source_name")
    assert len(log) == 3 + 4 and all(r[5] == "loaded" and r[2] == r[3] + r[4] for r in log)
    cohort_rows = {Path(r[1]).name: r[2] for r in log if r[0] == "reoffending_cohort"}
    for path in cohort_extracts:
        with open(path, encoding="utf-8") as handle:
            assert cohort_rows[path.name] == sum(1 for _ in handle) - 1
    assert sum(r[4] for r in log if r[0] == "reoffending_cohort") > 0
    (series_rows,), = query(backend["url"], "select count(*) from fact_moj_reoffending_series")
    assert series_rows == 1368


def test_the_national_series_reproduces_its_published_proportions(backend):
    rows = query(backend["url"], "select period_start, period_type, adult_juvenile, proportion_reoffending, "
                                 "published_proportion, offenders from mart_reoffending_rate where source = 'moj_series'")
    published = [r for r in rows if r[4] is not None]
    assert len(published) > 150
    assert max(abs(r[3] - r[4]) * 100 for r in published) < 0.05
    # the four quarters of 2001 are empty in the source: missing, never zero
    raw = pd.read_csv(SERIES)
    empty = raw[raw["value"].isna() & (raw["measure"] == "new")]
    assert len(empty) > 0
    (nulls,), = query(backend["url"], "select count(*) from fact_moj_reoffending_series where value is null")
    assert nulls == raw["value"].isna().sum()
    missing = [r for r in rows if str(r[0]).startswith("2001") and r[1] == "quarterly"]
    assert missing and all(r[5] is None and r[3] is None for r in missing)
    (zeros,), = query(backend["url"], "select count(*) from fact_moj_reoffending_series where value = 0")
    assert zeros == (raw["value"] == 0).sum()


def test_force_area_and_all_are_sums_of_counts_never_of_rates(backend):
    tool = tool_frame()
    lancashire = tool[(tool["Category"] == "total") & (tool["Geography"] != "Cumbria")]
    expected = lancashire.groupby("Cohort")[["offenders", "reoffenders", "reoffences"]].sum()
    got = {r[0]: r[1:] for r in query(backend["url"], "select period_start, offenders, reoffenders, reoffences, "
                                      "proportion_reoffending, areas_summed from mart_reoffending_rate where area_level = "
                                      "'force_area' and adult_juvenile = 'All' and period_type = 'quarterly'")}
    assert len(got) == 8
    from tasks.reoffending.cohorts import parse_cohort_label

    for label, (off, reo, ences) in expected.iterrows():
        start, _, kind = parse_cohort_label(label)
        if kind != "quarterly":
            continue
        assert got[start][:3] == (off, reo, ences)
        assert got[start][3] == pytest.approx(reo / off) and got[start][4] == 14


def test_cohort_profile_and_reoffence_mix_match_pandas(backend, cohort_extracts):
    held = {(str(s), r) for s, r in query(backend["url"], "select file_cohort_start, source_row from quarantine_reoffending_cohort")}
    frames = []
    for path in cohort_extracts:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame["source_row"] = range(1, len(frame) + 1)
        frames.append(frame[[(s, r) not in held for s, r in zip(frame["cohort_start"], frame["source_row"])]])
    raw = pd.concat(frames)
    raw["age"] = raw["age_at_index"].astype(int)
    raw["band"] = pd.cut(raw["age"], [9, 17, 24, 31, 40, 200], labels=["10-17", "18-24", "25-31", "32-40", "41+"]).astype(str)
    reoffenders = raw[raw["reoffended"] == "Y"]
    profile = {(r[0], r[1]): r[2:] for r in query(backend["url"], "select dimension, value, offenders, reoffenders, share "
                                                  "from mart_reoffender_profile where area_level = 'county' and period_type = 'annual' "
                                                  "and sex_group = 'All'")}
    for dimension, column in [("sex", "sex"), ("age_band", "band"), ("ethnic_group", "ethnic_group"),
                              ("index_offence_group", "index_offence_group")]:
        offenders = raw.groupby(column).size()
        counts = reoffenders.groupby(column).size()
        for value, n in offenders.items():
            got = profile[(dimension, value)]
            assert got[:2] == (n, counts.get(value, 0)), (dimension, value)
            assert got[2] == pytest.approx(counts.get(value, 0) / len(reoffenders))
    youth = reoffenders["age"].le(17).sum()
    assert profile[("youth", "Youth (10-17)")][1] == youth
    preston = query(backend["url"], "select sum(reoffenders) from mart_reoffender_profile where area_level = 'authority' "
                                    "and area_name = 'Preston' and period_type = 'quarterly' and dimension = 'sex' "
                                    "and sex_group = 'All'")
    assert preston == [(len(reoffenders[reoffenders["district"] == "Preston"]),)]
    listed = reoffenders["reoffence_groups"].str.split(";").explode().value_counts()
    mix = dict(query(backend["url"], "select reoffence_group, reoffences from mart_reoffence_mix "
                                     "where area_level = 'county' and period_type = 'annual' and sex_group = 'All' "
                                     "and grouping = 'group'"))
    assert mix == listed.to_dict()
    # female reoffenders by age band, and the mix of their reoffences with the acquisitive roll-up
    women = reoffenders[reoffenders["sex"] == "Female"]
    female = dict(query(backend["url"], "select value, share from mart_reoffender_profile where area_level = 'county' "
                                        "and period_type = 'annual' and sex_group = 'Female' and dimension = 'age_band'"))
    assert female == pytest.approx((women.groupby("band").size() / len(women)).to_dict())
    female_listed = women["reoffence_groups"].str.split(";").explode()
    female_mix = dict(query(backend["url"], "select reoffence_group, share from mart_reoffence_mix where area_level = 'county' "
                                            "and period_type = 'annual' and sex_group = 'Female'"))
    acquisitive = female_listed.isin(["Theft", "Burglary", "Robbery"]).mean()
    assert female_mix["Acquisitive (Theft, Burglary, Robbery)"] == pytest.approx(acquisitive)
    assert female_mix["Theft"] == pytest.approx((female_listed == "Theft").mean())


@pytest.mark.slow
@pytest.mark.parametrize("mart,values,keys", [
    ("mart_reoffender_profile", ["offenders", "reoffenders"], ["period_type", "period_start", "sex_group", "dimension", "value"]),
    ("mart_reoffence_mix", ["reoffences"], ["period_type", "period_start", "sex_group", "grouping", "reoffence_group"]),
])
def test_the_cohort_marts_bcus_and_authorities_add_up_to_the_county(backend, mart, values, keys):
    assert assert_parts_add_up(backend["url"], mart, values, keys) > 0
    # each level states its remainder, zero here: every offender's district has an authority and a BCU
    remainders = query(backend["url"], f"select area_level, max({values[0]}), count(*) from {mart} "
                                       "where area_code = 'unallocated' group by area_level order by area_level")
    county_cells, = query(backend["url"], f"select count(*) from {mart} where area_level = 'county'")
    assert remainders == [("authority", 0, county_cells[0]), ("bcu", 0, county_cells[0])]


def test_reloading_changes_nothing(backend, cohort_extracts):
    content = "select period_start, area_name, adult_juvenile, offenders, reoffenders from mart_reoffending_rate"
    cohort_content = "select cohort_start, count(*), count(distinct offender_key) from fact_reoffending_cohort group by 1 order by 1"
    before, cohorts_before = sorted(query(backend["url"], content), key=str), query(backend["url"], cohort_content)
    ingest_moj_reoffending(source=str(SAMPLE / "moj_reoffending"), **backend["where"])
    ingest_reoffending_cohort(source=str(cohort_extracts[1]), **backend["where"])
    assert sorted(query(backend["url"], content), key=str) == before
    assert query(backend["url"], cohort_content) == cohorts_before and all(n == d for _, n, d in cohorts_before)


def test_a_revised_table_replaces_only_the_cohorts_it_holds(backend, tmp_path):
    tool = tool_frame()
    quarter = tool[tool["Cohort"] == "Jan 20 to Mar 20"].copy()
    quarter["offenders"] = quarter["offenders"] + 1
    path = tmp_path / "revised_jan20.csv"
    quarter.to_csv(path, index=False)
    sql = ("select period_start, sum(offenders) from fact_moj_reoffending where layout = 'geographic' "
           "and period_type = 'quarterly' group by 1 order by 1")
    before = dict(query(backend["url"], sql))
    try:
        ingest_moj_reoffending(source=str(path), **backend["where"])
        after = dict(query(backend["url"], sql))
        changed = {k for k in before if before[k] != after[k]}
        assert [str(k) for k in changed] == ["2020-01-01"] and after[sorted(changed)[0]] == before[sorted(changed)[0]] + len(quarter)
    finally:
        ingest_moj_reoffending(source=str(TOOL), **backend["where"])
    assert dict(query(backend["url"], sql)) == before


def test_held_back_rows_are_replaced_with_the_partition_they_belong_to(backend, tmp_path):
    quarantine = "select partition_key, rule from quarantine_moj_reoffending where layout = 'geographic' order by 1, 2"
    before = query(backend["url"], quarantine)
    tool = tool_frame()
    quarter = tool[tool["Cohort"] == "Jan 20 to Mar 20"].copy()
    quarter["offenders"] = quarter["offenders"].astype(object)
    quarter.iloc[0, quarter.columns.get_loc("offenders")] = "lots"      # a count that is no number
    quarter.iloc[1, quarter.columns.get_loc("Cohort")] = "Spring 2020"   # a cohort no period can be read from
    bad = tmp_path / "revised_jan20.csv"
    quarter.to_csv(bad, index=False)
    try:
        ingest_moj_reoffending(source=str(bad), **backend["where"])
        held = [r for r in query(backend["url"], quarantine) if r not in before]
        assert [k for k, _ in held] == ["layout=geographic/file=revised_jan20.csv",
                                        "layout=geographic/period_start=2020-01-01/period_type=quarterly"]
        # the same quarter sent again, corrected: its held-back row goes with the partition it replaces
        clean = tool[tool["Cohort"] == "Jan 20 to Mar 20"]
        clean.to_csv(tmp_path / "corrected.csv", index=False)
        ingest_moj_reoffending(source=str(tmp_path / "corrected.csv"), **backend["where"])
        assert [k for k, _ in query(backend["url"], quarantine) if (k, _) not in before] == \
            ["layout=geographic/file=revised_jan20.csv"]  # the unreadable period stays with its file
    finally:
        ingest_moj_reoffending(source=str(TOOL), **backend["where"])
        # leave the module's warehouse as it found it: on DuckDB the quarantine is a view over the lake's folders
        lake = Path(backend["where"]["workdir"]) / "lake" / "quarantine" / "moj_reoffending"
        for folder in lake.glob("partition_key=*file~revised_jan20.csv"):
            shutil.rmtree(folder)
        serve(open_engine(backend["url"]), lake.parent.parent)  # the views see the lake as it now is
        with open_engine(backend["url"]).begin() as conn:
            if not backend["url"].startswith("duckdb"):
                conn.execute(sa.text("delete from quarantine_moj_reoffending where partition_key like '%file=revised_jan20.csv'"))
    assert query(backend["url"], quarantine) == before


def test_a_file_in_no_known_layout_is_rejected_whole(backend, tmp_path):
    path = tmp_path / "mystery.csv"
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows([["area", "cohort", "offenders"], ["Preston", "Jan 20 to Mar 20", "5"]])
    from tasks.report import FeedFailed

    with pytest.raises(FeedFailed, match="matches no MoJ reoffending layout"):
        ingest_moj_reoffending(source=str(path), **backend["where"])


@pytest.mark.postgres
def test_the_reoffending_marts_are_identical_on_duckdb_and_postgres(reoffending_loaded):
    marts = assert_marts_identical(reoffending_loaded["duckdb"]["url"], reoffending_loaded["postgres"]["url"])
    assert {"mart_reoffending_rate", "mart_reoffender_profile", "mart_reoffence_mix"} <= set(marts)
