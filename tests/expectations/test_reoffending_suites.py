"""The reoffending suites: a clean generated cohort passes; each rule of the cohort contract,
broken in one row, quarantines that row under the rule's name; the MoJ table suites hold back
counts that are not numbers, impossible counts and unreadable cohort labels, and the national
series keeps empty figures as missing."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from synth.reoffending import cohort_rows, write_csv
from tasks.reoffending import cohort, moj, moj_checks
from tests.expectations.test_survey_suites import with_values
from tests.survey_fixtures import generator_wards

START = dt.date(2019, 4, 1)


@pytest.fixture(scope="module")
def districts():
    from synth.young_persons import district_populations

    return district_populations(generator_wards())


@pytest.fixture(scope="module")
def extract(tmp_path_factory, districts):
    rows = cohort_rows(START, 500, districts, seed=4, bad_rate=0)
    path = write_csv(cohort.HEADER, rows, tmp_path_factory.mktemp("c") / "reoffending_cohort_2019-04.csv")
    return cohort.read_cohort(path, path.name)


def first_row(table: pa.Table, **where) -> int:
    rows = table.select(list(where)).to_pylist()
    return next(i for i, r in enumerate(rows) if all(r[k] == v for k, v in where.items()))


def test_a_clean_cohort_passes(extract, districts):
    good, bad, outcome = cohort.check_raw(extract, START, "clean", sorted(districts))
    assert outcome.success, outcome
    assert (good.num_rows, bad.num_rows) == (500, 0)


COHORT_BAD = {
    "cohort_start_matches_file": ({}, {"cohort_start": "2019-07-01"}),
    "district_known": ({}, {"district": "Manchester"}),
    "sex_known": ({}, {"sex": "M"}),
    "age_10_to_100": ({}, {"age_at_index": "9"}),
    "ethnic_group_known": ({}, {"ethnic_group": "Irish"}),
    "index_offence_group_known": ({}, {"index_offence_group": "Burglary"}),
    "reoffended_y_or_n": ({}, {"reoffended": "Yes"}),
    "reoffence_count_number": ({"reoffended": "N"}, {"reoffence_count": "none"}),
    "reoffence_count_zero_iff_not_reoffended": ({"reoffended": "Y"}, {"reoffence_count": "0"}),
    "reoffence_groups_only_when_reoffended": ({"reoffended": "N"}, {"reoffence_groups": "Theft"}),
    "reoffence_groups_known": ({"reoffended": "Y"}, {"reoffence_groups": "Theft;Shoplifting"}),
}


@pytest.mark.parametrize("rule", sorted(COHORT_BAD))
def test_each_broken_cohort_rule_quarantines_the_row_under_its_name(extract, districts, rule):
    where, values = COHORT_BAD[rule]
    row = first_row(extract, **where) if where else 9
    good, bad, _ = cohort.check_raw(with_values(extract, row, values), START, "bad", sorted(districts))
    assert bad.num_rows == 1 and good.num_rows == 499
    assert rule in bad["rule"][0].as_py().split(";")
    assert bad["source_row"][0].as_py() == row + 1


def test_a_reoffender_without_groups_and_a_non_reoffender_with_a_count_are_both_caught(extract, districts):
    y, n = first_row(extract, reoffended="Y"), first_row(extract, reoffended="N")
    broken = with_values(with_values(extract, y, {"reoffence_groups": None}), n, {"reoffence_count": "3"})
    _, bad, _ = cohort.check_raw(broken, START, "bad", sorted(districts))
    rules = dict(zip(bad["source_row"].to_pylist(), bad["rule"].to_pylist()))
    assert rules == {y + 1: "reoffence_groups_only_when_reoffended", n + 1: "reoffence_count_zero_iff_not_reoffended"}


def tool_table(rows: list[list]) -> pa.Table:
    return moj.to_batch(moj.LAYOUTS["geographic"], rows, "tool").table


def test_table_rows_with_bad_counts_or_labels_are_held_back_and_markers_kept_as_missing():
    rows = [
        ["total", "Adult", "Preston", "Jan 20 to Mar 20", "1,200", "300", "1000"],
        ["total", "Juvenile", "Preston", "Jan 20 to Mar 20", "*", "*", "*"],
        ["total", "Adult", "Burnley", "Jan 20 to Mar 20", "many", "3", "9"],
        ["total", "Adult", "Chorley", "Jan 20 to Mar 20", "10", "30", "90"],
        ["total", "Adult", "Wyre", "Q1 2020", "10", "3", "9"],
        ["total", "Adult", "Fylde", "Jan 20 to Mar 20", "10", "3", "2"],
        ["total", "Adult", "Preston", "Jan 20 to Mar 20", "1,200", "300", "1000"],
    ]
    good, bad, _ = moj_checks.check_tables(tool_table(rows), "geographic", "tool")
    rules = dict(zip(bad["source_row"].to_pylist(), bad["rule"].to_pylist()))
    assert rules == {1: "figure_unique", 3: "count_is_number", 4: "reoffenders_within_offenders",
                     5: "cohort_label_parsed", 6: "reoffences_at_least_reoffenders", 7: "figure_unique"}
    curated = moj_checks.conform_tables(good, "geographic", {"Preston": "E07000123"})
    (row,) = curated.to_pylist()
    assert (row["offenders"], row["reoffenders"], row["suppressed"], row["authority_code"]) == (None, None, True, "E07000123")


def test_empty_series_figures_are_missing_never_zero():
    rows = [["new", "3-monthly", "2001-01-01", "Adult", "binary", ""], ["new", "3-monthly", "2001-01-01", "Adult", "cohort", "100"],
            ["new", "weekly", "2001-01-01", "Adult", "cohort", "100"], ["new", "annual", "2001-01-15", "Adult", "cohort", "1"]]
    table = moj.to_batch(moj.LAYOUTS["series"], rows, "series").table
    good, bad, outcome = moj_checks.check_series(table, "series")
    assert dict(zip(bad["source_row"].to_pylist(), bad["rule"].to_pylist())) == {3: "temporal_unit_known", 4: "date_first_of_month"}
    assert any("value_missing" in w for w in outcome.warnings)
    curated = moj_checks.conform_series(good)
    assert curated["value"].to_pylist() == [None, 100.0]
    assert curated["period_end"].to_pylist() == [dt.date(2001, 3, 31)] * 2
