"""Every GX suite loads (a typo fails CI); the police.uk raw suite passes a real month and catches
each known-bad case with the rule that names it; unseen outcomes are warnings only."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from tasks.police_uk.checks import check_raw
from tasks.police_uk.read import read_street
from tasks.settings import EXPECTATIONS_DIR
from tasks.validate import build_suite, load_suite_spec, validate_frame
from tests.conftest import SAMPLE_ZIP

SUITES = sorted(EXPECTATIONS_DIR.glob("*/*.json"))


@pytest.mark.parametrize("path", SUITES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_suite_loads_into_great_expectations(path: Path):
    spec = load_suite_spec(path.parent.name, path.stem)
    suite = build_suite(path.parent.name, path.stem)
    assert len(suite.expectations) == len(spec["expectations"]) > 0
    assert json.loads(path.read_text())["name"] == spec["name"]


@pytest.fixture(scope="module")
def real_month(tmp_path_factory):
    path = tmp_path_factory.mktemp("m") / "2020-01-lancashire-street.csv"
    with zipfile.ZipFile(SAMPLE_ZIP) as archive:
        path.write_bytes(archive.read("2020-01/2020-01-lancashire-street.csv"))
    table, faults = read_street(path, path.name)
    assert faults.num_rows == 0
    return table


def test_a_real_month_passes_the_raw_suite(real_month):
    import datetime as dt

    good, bad, outcome = check_raw(real_month, dt.date(2020, 1, 1), "real")
    assert outcome.success, outcome
    assert good.num_rows == 16153 and bad.num_rows == 0


BAD_CASES = {
    "month_equals_file;month_format": ("Month", "2020/01"),
    "month_equals_file": ("Month", "2019-12"),
    "crime_type_known": ("Crime type", "Jaywalking"),
    "coordinates_in_uk": ("Latitude", 40.1),
    "lsoa_code_pattern": ("LSOA code", "E02000001"),
    "crime_id_iff_not_asb": ("Crime ID", "not-a-hash"),
}


def with_values(table: pa.Table, row: int, values: dict) -> pa.Table:
    """The table with some cells of one row replaced."""
    for column, value in values.items():
        cells = table[column].to_pylist()
        cells[row] = value
        index = table.column_names.index(column)
        table = table.set_column(index, column, pa.array(cells, table.schema.field(column).type))
    return table


@pytest.mark.parametrize("rule", sorted(BAD_CASES))
def test_each_known_bad_value_is_caught_by_its_rule(real_month, rule):
    import datetime as dt

    column, value = BAD_CASES[rule]
    target = int(np.flatnonzero(real_month["Crime ID"].is_valid().to_numpy(zero_copy_only=False))[3])
    good, bad, outcome = check_raw(with_values(real_month, target, {column: value}), dt.date(2020, 1, 1), "t")
    assert sorted(outcome.row_failures) == rule.split(";")
    assert bad.column("rule").to_pylist() == [rule] and bad.column("source_row").to_pylist() == [target + 1]
    assert good.num_rows + 1 == real_month.num_rows


def test_an_asb_row_with_an_outcome_and_an_id_breaks_both_rules(real_month):
    import datetime as dt

    target = real_month["Crime type"].to_pylist().index("Anti-social behaviour")
    changed = with_values(real_month, target, {"Crime ID": "a" * 64, "Last outcome category": "Local resolution"})
    _, bad, _ = check_raw(changed, dt.date(2020, 1, 1), "t")
    assert bad.column("rule").to_pylist() == ["asb_has_no_outcome;crime_id_iff_not_asb"]


def test_an_unseen_outcome_is_a_warning_and_quarantines_nothing(real_month):
    frame = real_month.drop_columns(["source_row"]).to_pandas()
    frame.loc[frame["Crime ID"].notna().idxmax(), "Last outcome category"] = "Offender sent to the moon"
    outcome = validate_frame(frame, "police_uk_street", "raw", {"file_month": ["2020-01"]})
    assert outcome.row_failures == {} and outcome.file_failures == []
    assert len(outcome.warnings) == 1 and "Offender sent to the moon" in outcome.warnings[0]


def test_an_empty_file_fails_a_file_rule(real_month):
    outcome = validate_frame(real_month.slice(0, 0).drop_columns(["source_row"]).to_pandas(),
                             "police_uk_street", "raw", {"file_month": ["2020-01"]})
    assert any("expect_table_row_count_to_be_between" in f for f in outcome.file_failures)


def test_reference_suites_quarantine_bad_codes_and_duplicates():
    import pandas as pd

    frame = pd.DataFrame({
        "lsoa_code": ["E01012607", "E01012607", "X99", "E01012608"],
        "lsoa_name": ["a", "b", "c", "d"],
        "ward_code": ["E05001234", "E05001234", "E05001234", None],
        "ward_name": ["w"] * 4,
        "authority_code": ["E06000008"] * 4,
        "authority_name": ["Blackburn with Darwen"] * 4,
    })
    outcome = validate_frame(frame, "ons_lsoa_ward_lad", "raw")
    assert {k: v.tolist() for k, v in outcome.row_failures.items()} == {
        "lsoa_code_unique": [0, 1], "lsoa_code_pattern": [2], "ward_code_present": [3],
    }


def test_the_outcome_grouping_suite_passes_the_bundled_file_and_catches_a_regrouped_or_repeated_category():
    import pandas as pd

    from tests.conftest import SAMPLE

    frame = pd.read_csv(SAMPLE / "reference" / "police_uk_outcome_groups.csv")
    assert validate_frame(frame, "outcome_groups", "raw").success
    broken = frame.copy()
    broken.loc[3, "outcome_group"] = "solved"  # not one of the six groups mart_outcomes reports
    outcome = validate_frame(broken, "outcome_groups", "raw")
    assert {k: v.tolist() for k, v in outcome.row_failures.items()} == {"group_known": [3]}
    repeated = pd.concat([frame, frame.iloc[[0]].assign(outcome_group="other action")], ignore_index=True)
    assert any("expect_column_values_to_be_unique" in f for f in validate_frame(repeated, "outcome_groups", "raw").file_failures)
