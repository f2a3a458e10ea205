"""Home Office CSP tables: xlsx with a sheet per year (current layout) and CSV (older layout, no
quarter, 'Offence Count'), negative counts kept and reported, a year replaced on reload, a wrong
header rejected by name; on DuckDB and PostgreSQL, feeding mart_crime_trend."""

from __future__ import annotations

import pandas as pd
import pyarrow.csv as pacsv
import pytest

from flows.ingest_ho_csp import ingest_ho_csp
from flows.ingest_reference import ingest_reference
from synth.ho_csp import rows_for_year, write_csv, write_workbook
from tasks.report import FeedFailed
from tests.conftest import BACKENDS, SAMPLE, SAMPLE_REFERENCE, assert_parts_add_up, make_warehouse, query
from tests.integration.test_marts import conditional_poisson_p

pytestmark = pytest.mark.usefixtures("prefect_api")


@pytest.fixture(scope="module")
def classes():
    return pacsv.read_csv(SAMPLE / "reference" / "offence_classification_SAMPLE.csv",
                          convert_options=pacsv.ConvertOptions(column_types={"offence_code": "string"})).to_pylist()


@pytest.fixture(scope="module", params=BACKENDS)
def warehouse(request, tmp_path_factory, prefect_api):
    folder = tmp_path_factory.mktemp(request.param)
    url, cleanup = make_warehouse(request.param, folder)
    where = dict(workdir=str(folder / "var"), warehouse_url=url)
    ingest_reference(source=SAMPLE_REFERENCE, **where)
    yield {"url": url, "where": where, "folder": folder}
    cleanup()


def totals(url):
    return dict(query(url, "select financial_year, cast(sum(offences) as bigint) from fact_ho_csp_crime group by 1"))


def test_workbook_and_old_csv_load_with_negative_counts_kept(warehouse, classes, tmp_path):
    y1819, y1920 = rows_for_year("2018/19", classes, seed=1), rows_for_year("2019/20", classes, seed=2)
    book = write_workbook(tmp_path / "in" / "prc-csp.xlsx", {"2018/19": y1819})
    old = rows_for_year("2019/20", classes, quarters=False, seed=3)
    write_csv(tmp_path / "in" / "old-layout.csv", {"2019/20": old}, old_layout=True)
    result = ingest_ho_csp(source=str(tmp_path / "in"), **warehouse["where"])
    assert result["totals"]["rows_in"] == len(y1819) + len(old) == result["totals"]["rows_curated"]
    assert totals(warehouse["url"]) == {"2018/19": sum(r[-1] for r in y1819), "2019/20": sum(r[-1] for r in old)}
    negatives = query(warehouse["url"], "select count(*) from fact_ho_csp_crime where offences < 0 and is_negative")
    assert negatives == [(4,)]
    warnings = [w for (w,) in query(warehouse["url"], "select warnings from etl_load_log where feed = 'ho_csp'") if w]
    assert len(warnings) == 2 and all("negative_count" in w for w in warnings)
    assert query(warehouse["url"], "select count(*) from fact_ho_csp_crime where financial_year = '2019/20' "
                                   "and financial_quarter is not null") == [(0,)]
    # reloading a year replaces it: the workbook's 2019/20 sheet now replaces the CSV's year
    write_workbook(book, {"2019/20": y1920})
    (tmp_path / "in" / "old-layout.csv").unlink()
    ingest_ho_csp(source=str(tmp_path / "in"), **warehouse["where"])
    assert totals(warehouse["url"]) == {"2018/19": sum(r[-1] for r in y1819), "2019/20": sum(r[-1] for r in y1920)}
    trend = dict(query(warehouse["url"], "select financial_year, cast(sum(crimes) as bigint) from mart_crime_trend "
                                         "where source = 'ho_csp' and area_level = 'county' group by 1"))
    assert trend == totals(warehouse["url"])
    assert assert_parts_add_up(warehouse["url"], "mart_crime_trend", ["crimes"], ["financial_year", "crime_type"],
                               where="source = 'ho_csp'") > 0
    # the change from 2018/19 by offence group: the generated rows' sums, tested by scipy with the
    # county's residents of each year (the reference CSVs) as exposure
    lookup = pd.read_csv(SAMPLE / "reference" / "LSOA11_WD19_LAD19_EW_LU_lancashire.csv")
    population = pd.read_csv(SAMPLE / "reference" / "lancashire_population_2014_2020.csv")
    residents = population[population["LSOA Code"].isin(lookup["LSOA11CD"])].groupby("Year")["Population"].sum()
    sums = pd.DataFrame([(r[0], r[5], r[-1]) for r in y1819 + y1920], columns=["year", "group", "n"]) \
        .groupby(["group", "year"])["n"].sum().unstack()
    changes = {r[0]: r[1:] for r in query(warehouse["url"], "select crime_type, previous_crimes_comparable, crimes_comparable, "
                                          "change_p_value, change_basis from mart_crime_trend where source = 'ho_csp' "
                                          "and area_level = 'county' and financial_year = '2019/20'")}
    assert set(changes) == set(sums.index)
    for group, (before, after) in sums[["2018/19", "2019/20"]].iterrows():
        p_value = conditional_poisson_p(before, residents[2018], after, residents[2019])
        assert changes[group] == (before, after, pytest.approx(p_value), "full year"), group
    # E2: each row's count x its offence code's weight, shared within the year
    weight = {c["offence_code"]: c["weight"] for c in classes}
    group = {c["offence_code"]: c["offence_group"] for c in classes}
    harm: dict[str, float] = {}
    for row in y1819:
        harm[group[row[7]]] = harm.get(group[row[7]], 0.0) + row[-1] * weight[row[7]]
    got = dict(query(warehouse["url"], "select category, harm_share from mart_crime_volume_harm where source = 'ho_csp' "
                                       "and area_level = 'county' and financial_year = '2018/19'"))
    assert got == pytest.approx({g: h / sum(harm.values()) for g, h in harm.items()})


def test_a_row_of_another_year_in_a_sheet_is_quarantined(warehouse, classes, tmp_path):
    rows = rows_for_year("2018/19", classes, seed=4, negatives=0)
    rows[5][0] = "2017/18"
    rows[6][-1] = "twelve"
    write_workbook(tmp_path / "t.xlsx", {"2018/19": rows})
    ingest_ho_csp(source=str(tmp_path / "t.xlsx"), **warehouse["where"])
    got = sorted(query(warehouse["url"], "select source_row, rule, period from quarantine_ho_csp_crime"))
    assert got == [(6, "financial_year_matches_sheet", "2018/19"), (7, "offences_integer", "2018/19")]


def test_a_wrong_header_is_rejected_naming_the_columns(warehouse, classes, tmp_path):
    before = totals(warehouse["url"])
    path = write_csv(tmp_path / "bad.csv", {"2018/19": rows_for_year("2018/19", classes, seed=5)})
    path.write_text(path.read_text().replace("CSP Name", "Area Name", 1))
    with pytest.raises(FeedFailed, match=r"missing columns \['CSP Name'\]; unexpected columns \['Area Name'\]"):
        ingest_ho_csp(source=str(path), **warehouse["where"])
    assert totals(warehouse["url"]) == before
