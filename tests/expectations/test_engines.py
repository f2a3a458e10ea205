"""GX's SQL engine (over the batch in DuckDB, the default) and its pandas engine reach the same
outcome, row for row, on batches with faults of every kind: the same rows held back under the
same rules, the same warnings, the same file failures. Row conditions written for pandas are
given to SQL as GX's condition objects."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from synth.reoffending import cohort_rows, write_csv
from synth.young_persons import wave_rows, write_wave
from tasks import validate
from tasks.reoffending import cohort
from tasks.validate import SuiteOutcome, engine_for, sql_condition, validate_table
from tasks.young_persons.read import read_wave
from tests.expectations.test_suites import BAD_CASES, real_month, with_values  # noqa: F401, F811  (a fixture)
from tests.expectations.test_survey_suites import WAVE
from tests.survey_fixtures import generator_wards


def outcome_on(engine: str, monkeypatch, *args) -> SuiteOutcome:
    """validate_table on one engine."""
    monkeypatch.setattr(validate, "ENGINE", engine)
    return validate_table(*args)


def assert_same(pandas: SuiteOutcome, sql: SuiteOutcome) -> None:
    """Both engines found the same failures, rows and all."""
    assert (sql.evaluated, sql.failed, sql.file_failures, sorted(sql.warnings)) == \
        (pandas.evaluated, pandas.failed, pandas.file_failures, sorted(pandas.warnings))
    assert sorted(sql.row_failures) == sorted(pandas.row_failures)
    for rule, rows in pandas.row_failures.items():
        assert np.array_equal(np.sort(sql.row_failures[rule]), np.sort(rows)), rule


def test_the_police_uk_raw_suite_finds_the_same_rows_on_both_engines(real_month, monkeypatch):  # noqa: F811
    month = real_month
    ids = np.flatnonzero(month["Crime ID"].is_valid().to_numpy(zero_copy_only=False))
    asb = np.flatnonzero(month["Crime ID"].is_null().to_numpy(zero_copy_only=False))
    for n, (column, value) in enumerate(BAD_CASES.values()):  # each rule broken in its own row
        month = with_values(month, int(ids[10 + n]), {column: value})
    month = with_values(month, int(ids[40]), {"Crime ID": None})                        # a crime without its ID
    month = with_values(month, int(asb[0]), {"Last outcome category": "Court result unavailable"})  # ASB with an outcome
    month = with_values(month, int(ids[41]), {"Last outcome category": "Sent to the moon"})        # a warning
    args = (month, "police_uk_street", "raw", {"file_month": ["2020-01"]})
    pandas, sql = outcome_on("pandas", monkeypatch, *args), outcome_on("sql", monkeypatch, *args)
    assert engine_for("police_uk_street", "raw") == "sql"
    assert sum(len(r) for r in sql.row_failures.values()) >= len(BAD_CASES) + 2 and sql.warnings
    assert_same(pandas, sql)


def test_a_generated_cohort_with_broken_rows_is_judged_alike(tmp_path, monkeypatch):
    from synth.young_persons import district_populations

    districts = district_populations(generator_wards())
    start = dt.date(2019, 4, 1)
    path = write_csv(cohort.HEADER, cohort_rows(start, 800, districts, seed=11, bad_rate=0.05), tmp_path / "c.csv")
    table = cohort.read_cohort(path, path.name)
    import re

    groups = "|".join(re.escape(g) for g in cohort.REOFFENCE_GROUPS)
    params = {"cohort_start": [start.isoformat()], "districts": sorted(districts), "sexes": cohort.SEXES,
              "ethnic_groups": cohort.ETHNIC_GROUPS, "index_offence_groups": cohort.INDEX_OFFENCE_GROUPS,
              "reoffence_groups_pattern": f"^(?:{groups})(?:;(?:{groups}))*$"}
    args = (table, "reoffending_cohort", "raw", params)
    pandas, sql = outcome_on("pandas", monkeypatch, *args), outcome_on("sql", monkeypatch, *args)
    assert pandas.row_failures, "the generator planted no faults"
    assert_same(pandas, sql)


def test_a_generated_survey_wave_with_broken_rows_is_judged_alike(tmp_path, monkeypatch):
    from synth.young_persons import district_populations
    from tasks.young_persons import checks as yps_checks

    populations = district_populations(generator_wards())
    districts = sorted(populations)
    path = write_wave(wave_rows(WAVE, 900, populations, seed=5, bad_rate=0.05), tmp_path / f"ts_young_persons_survey_{WAVE}.csv")
    table = read_wave(path, path.name)
    captured = {}
    monkeypatch.setattr(yps_checks, "check_or_reject", lambda *a: captured.setdefault("args", a) and SuiteOutcome("x"))
    yps_checks.check_raw(table, WAVE, "gen", districts)
    args = captured["args"][:4]
    pandas, sql = outcome_on("pandas", monkeypatch, *args), outcome_on("sql", monkeypatch, *args)
    assert pandas.row_failures, "the generator planted no faults"
    assert_same(pandas, sql)


def test_pandas_row_conditions_become_gx_conditions():
    from great_expectations.expectations.row_conditions import Column

    expected = {
        '`Crime type` != "Anti-social behaviour"': Column("Crime type") != "Anti-social behaviour",
        "out_of_area == False and has_location == True": (Column("out_of_area") == False) & (Column("has_location") == True),  # noqa: E712
        "issue_1.isnull()": Column("issue_1").is_null(),
        "reoffended == 'Y'": Column("reoffended") == "Y",
    }
    for text, condition in expected.items():
        assert sql_condition(text).dict() == condition.dict(), text


def test_a_row_condition_outside_the_grammar_is_refused():
    with pytest.raises(ValueError, match="is not `column op literal`"):
        sql_condition("a + b > 3")
