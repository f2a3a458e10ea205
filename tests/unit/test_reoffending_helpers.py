"""Reoffending helpers: cohort labels into dates and period types, published counts with their
suppression markers, letter prefixes into clean dimensions, layouts recognised by header, and
cohort files that must start a quarter."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from tasks.errors import FileRejected, SourceError
from tasks.reoffending.cohort import find_cohort_files
from tasks.reoffending.cohorts import cohort_label, parse_cohort_label
from tasks.reoffending.moj import read_moj_file, recognise
from tasks.reoffending.moj_checks import parse_count, strip_prefix
from tasks.sources import DirectorySource


@pytest.mark.parametrize("label, expected", [
    ("Apr 19 to Mar 20", (dt.date(2019, 4, 1), dt.date(2020, 3, 31), "annual")),
    ("Jan 20 to Mar 20", (dt.date(2020, 1, 1), dt.date(2020, 3, 31), "quarterly")),
    ("April 2013 to March 2014", (dt.date(2013, 4, 1), dt.date(2014, 3, 31), "annual")),
    ("apr13-mar14", (dt.date(2013, 4, 1), dt.date(2014, 3, 31), "annual")),
    ("Oct-19 to Dec-19", (dt.date(2019, 10, 1), dt.date(2019, 12, 31), "quarterly")),
    ("Jan 20 to Apr 20", None),
    ("Foo 19 to Mar 20", None),
    ("2019/20", None),
    (None, None),
])
def test_cohort_labels_parse_into_dates_and_a_period_type(label, expected):
    assert parse_cohort_label(label) == expected


def test_labels_round_trip():
    assert cohort_label(dt.date(2019, 4, 1), "annual") == "Apr 19 to Mar 20"
    assert parse_cohort_label(cohort_label(dt.date(2019, 10, 1), "quarterly"))[1] == dt.date(2019, 12, 31)


def test_counts_read_as_numbers_and_markers_as_missing_never_zero():
    assert [parse_count(v) for v in ["1,234", "0", "*", "..", "[c]", None, "12a"]] == [1234, 0, None, None, None, None, None]


def test_letter_prefixes_are_stripped_into_a_code():
    codes, clean = strip_prefix(pa.chunked_array([["a. Ethnicity and sex", "total", None, "ab. Something"]]))
    assert codes.to_pylist() == ["a", None, None, "ab"]
    assert clean.to_pylist() == ["Ethnicity and sex", "total", None, "Something"]


def test_each_layout_is_recognised_by_its_header_in_any_order():
    assert recognise(["measure", "temporal_unit", "date", "group", "rate", "value"], "s") == "series"
    assert recognise(["Geography", "Category", "Adult / Juvenile", "Cohort", "offenders", "reoffenders", "reoffences"], "g") == "geographic"
    with pytest.raises(FileRejected, match=r"nearest is overview: missing columns \['subcategory2'\]; unexpected columns \['sub2'\]"):
        recognise(["cohort", "adult_juvenile", "category", "subcategory1", "sub2", "offenders", "reoffenders", "reoffences"], "o")


def test_a_workbook_without_its_data_sheet_is_rejected(tmp_path):
    import openpyxl

    path = tmp_path / "tool.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.save(path)
    with pytest.raises(FileRejected, match="no sheet named 'Data'"):
        read_moj_file(path, "tool.xlsx")


def test_cohort_files_must_start_a_quarter_and_appear_once(tmp_path):
    (tmp_path / "reoffending_cohort_2019-04.csv").write_text("x")
    assert [c.cohort_start for c in find_cohort_files(DirectorySource(tmp_path))] == [dt.date(2019, 4, 1)]
    (tmp_path / "reoffending_cohort_2019-05.csv").write_text("x")
    with pytest.raises(SourceError, match="first day of a quarter"):
        find_cohort_files(DirectorySource(tmp_path))
    (tmp_path / "reoffending_cohort_2019-05.csv").unlink()
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "reoffending_cohort_2019-04.csv").write_text("x")
    with pytest.raises(SourceError, match="same cohort twice"):
        find_cohort_files(DirectorySource(tmp_path))
