"""The two survey suites: a clean generated export passes; each contract rule, broken in one row,
quarantines that row under the rule's name; warnings never leak personal data."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from synth.itk import export_rows, response_universe, write_export
from synth.young_persons import district_populations, wave_rows, write_wave
from tasks.areas import force_authorities, force_wards
from tasks.itk import checks as itk_checks
from tasks.itk.read import read_export
from tasks.young_persons import checks as yps_checks
from tasks.young_persons.read import read_wave
from tests.survey_fixtures import generator_wards, lancashire_dim

EXPORT = dt.date(2020, 3, 31)


@pytest.fixture(scope="module")
def itk_export(tmp_path_factory):
    """A clean 400-response export, as read."""
    universe = response_universe(400, generator_wards(), dt.date(2019, 10, 1), EXPORT, seed=3, bad_rate=0)
    path = write_export(export_rows(universe, EXPORT), tmp_path_factory.mktemp("itk") / "itk_lancashire_talking_20200331.csv")
    return read_export(path, path.name)


@pytest.fixture(scope="module")
def itk_area():
    return itk_checks.area_parameters(force_wards(lancashire_dim(), "lancashire"))


def with_values(table: pa.Table, row: int, values: dict) -> pa.Table:
    """The table with some cells of one row replaced."""
    for column, value in values.items():
        cells = table[column].to_pylist()
        cells[row] = value
        table = table.set_column(table.column_names.index(column), column, pa.array(cells, table.schema.field(column).type))
    return table


def test_a_clean_itk_export_passes(itk_export, itk_area):
    good, bad, outcome = itk_checks.check_raw(itk_export, EXPORT, "clean", itk_area)
    assert outcome.success, outcome
    assert (good.num_rows, bad.num_rows) == (400, 0)


ITK_BAD = {
    "response_id_pattern": {"response_id": "LT12"},
    "member_id_present": {"member_id": None},
    "submitted_at_timestamp": {"submitted_at": "31/01/2020 10:00", "submitted_ts": None},
    "updated_not_before_submitted": {"submitted_ts": dt.datetime(2020, 3, 1), "updated_ts": dt.datetime(2020, 2, 1)},
    "ward_code_pattern": {"ward_code": "E0512345"},
    "district_known": {"district": "Lancashire"},
    "issue_1_required": {"issue_1": None, "issue_2": None, "issue_3": None, "issue_4": None, "issue_5": None},
    "issue_known": {"issue_2": "Parking: Bad parking"},
    "issue_repeated": {"issue_1": "Drugs: Drug dealing", "issue_2": "Drugs: Drug dealing"},
    "issue_ranking_gap": {"issue_2": "Drugs: Drug dealing", "issue_3": None, "issue_4": "Burglary: House burglary",
                          "issue_5": None, "issue_1": "Road safety: Speeding"},
    "age_band_known": {"age_band": "15-17"},
}


@pytest.mark.parametrize("rule", sorted(ITK_BAD))
def test_each_broken_itk_rule_quarantines_the_row_under_its_name(itk_export, itk_area, rule):
    broken = with_values(itk_export, 7, ITK_BAD[rule])
    good, bad, _ = itk_checks.check_raw(broken, EXPORT, "bad", itk_area)
    assert bad.num_rows == 1 and good.num_rows == 399
    assert rule in bad["rule"][0].as_py().split(";")
    assert bad["source_row"][0].as_py() == 8


def test_a_ward_of_another_district_or_area_is_quarantined(itk_export, itk_area):
    row = itk_export.slice(3, 1).to_pylist()[0]
    other = "Preston" if row["district"] != "Preston" else "Blackpool"
    broken = with_values(with_values(itk_export, 3, {"district": other}), 5, {"ward_code": "E05000650"})
    _, bad, _ = itk_checks.check_raw(broken, EXPORT, "bad", itk_area)
    rules = dict(zip(bad["source_row"].to_pylist(), bad["rule"].to_pylist()))
    assert rules[4] == "ward_in_district" and "ward_in_area" in rules[6]


def test_a_repeated_version_is_held_back_every_copy_but_a_later_version_is_kept(itk_export, itk_area):
    first = itk_export.slice(0, 1)
    same = pa.concat_tables([itk_export, first])
    _, bad, _ = itk_checks.check_raw(same, EXPORT, "dup", itk_area)
    assert bad.num_rows == 2 and set(bad["rule"].to_pylist()) == {"response_version_unique"}
    later = with_values(first, 0, {"updated_at": "2020-03-30T09:00:00", "updated_ts": dt.datetime(2020, 3, 30, 9)})
    good, bad, _ = itk_checks.check_raw(pa.concat_tables([itk_export, later]), EXPORT, "edit", itk_area)
    assert bad.num_rows == 0 and good.num_rows == 401


def test_an_unrecognised_postcode_is_a_warning_that_does_not_show_the_postcode(itk_export, itk_area):
    broken = with_values(itk_export, 2, {"postcode": "SECRET 99"})
    good, bad, outcome = itk_checks.check_raw(broken, EXPORT, "pc", itk_area)
    assert bad.num_rows == 0 and len(outcome.warnings) == 1
    assert "postcode_recognised" in outcome.warnings[0] and "SECRET" not in outcome.warnings[0]


WAVE = "2019-20"


@pytest.fixture(scope="module")
def ts_wave(tmp_path_factory):
    """A clean 600-pupil wave, as read."""
    rows = wave_rows(WAVE, 600, district_populations(generator_wards()), seed=5, bad_rate=0)
    path = write_wave(rows, tmp_path_factory.mktemp("ts") / f"ts_young_persons_survey_{WAVE}.csv")
    return read_wave(path, path.name)


@pytest.fixture(scope="module")
def districts():
    return force_authorities(lancashire_dim(), "lancashire")["authority_name"].to_pylist()


def test_a_clean_wave_passes(ts_wave, districts):
    good, bad, outcome = yps_checks.check_raw(ts_wave, WAVE, "clean", districts)
    assert outcome.success, outcome
    assert (good.num_rows, bad.num_rows) == (600, 0)


def first_row(table: pa.Table, **where) -> int:
    """Index of the first row whose columns have the given values."""
    rows = table.select(list(where)).to_pylist()
    return next(i for i, r in enumerate(rows) if all(r[k] == v for k, v in where.items()))


TS_BAD = {
    "age_14_to_17": ({}, {"age": "13"}),
    "wave_matches_file": ({}, {"wave": "2017-18"}),
    "completed_in_fieldwork": ({}, {"completed_on": "2021-01-15"}),
    "school_urn_pattern": ({}, {"school_urn": "11942"}),
    "district_known": ({}, {"district": "Manchester"}),
    "gender_known": ({}, {"gender": "F"}),
    "units_number": ({"drinks_alcohol": "Yes"}, {"units_per_week": "lots"}),
    "units_in_range": ({"drinks_alcohol": "Yes"}, {"units_per_week": "140", "units_value": 140.0}),
    "units_only_for_drinkers": ({"drinks_alcohol": "No"}, {"units_per_week": "3", "units_value": 3.0}),
    "drinks_with_parents_only_for_drinkers": ({"drinks_alcohol": "No"}, {"drinks_with_parents": "Yes"}),
    "asked_for_id_only_if_tried_to_buy": ({"tried_to_buy_alcohol": "No"}, {"asked_for_id": "No"}),
    "alcohol_source_known": ({"drinks_alcohol": "Yes"}, {"alcohol_source": "Parents;Off licence"}),
    "carried_knife_answer": ({}, {"carried_knife": "Maybe"}),
    "knife_crime_issue_where_live_answer": ({}, {"knife_crime_issue_where_live": "Prefer not to say"}),
    "vaping_status_answer": ({}, {"vaping_status": None}),
}


@pytest.mark.parametrize("rule", sorted(TS_BAD))
def test_each_broken_survey_rule_quarantines_the_row_under_its_name(ts_wave, districts, rule):
    where, values = TS_BAD[rule]
    row = first_row(ts_wave, **where) if where else 11
    good, bad, _ = yps_checks.check_raw(with_values(ts_wave, row, values), WAVE, "bad", districts)
    assert bad.num_rows == 1 and good.num_rows == 599
    assert bad["rule"][0].as_py() == rule
    assert bad["source_row"][0].as_py() == row + 1


def test_a_duplicated_response_id_holds_back_both_copies(ts_wave, districts):
    broken = with_values(ts_wave, 20, {"response_id": ts_wave["response_id"][10].as_py()})
    _, bad, _ = yps_checks.check_raw(broken, WAVE, "dup", districts)
    assert sorted(bad["source_row"].to_pylist()) == [11, 21]
    assert set(bad["rule"].to_pylist()) == {"response_id_unique"}
