"""Pure helpers of the survey feeds: keyed pseudonyms, postcode districts, issue repeats, alcohol
sources, wave windows and the file finders' refusal of ambiguous sources."""

from __future__ import annotations

import datetime as dt
import stat

import pyarrow as pa
import pytest

from tasks.errors import SourceError
from tasks.itk.checks import issues_distinct
from tasks.itk.conform import conform_issues
from tasks.itk.read import find_exports, parse_timestamps
from tasks.pseudonym import postcode_district, pseudonym_key, pseudonymise
from tasks.settings import get_settings
from tasks.sources import DirectorySource
from tasks.young_persons.conform import has_source
from tasks.young_persons.read import find_waves, wave_window


def test_pseudonyms_are_stable_per_key_and_differ_between_keys():
    ids = pa.array(["ITK12345678", "ITK87654321", None, "ITK12345678"])
    a, b = pseudonymise(ids, b"key-one"), pseudonymise(ids, b"key-two")
    assert a[0] == a[3] and a[0] != a[1] and a[2].as_py() is None
    assert a[0] != b[0] and len(a[0].as_py()) == 64 and "12345678" not in a[0].as_py()


def test_the_key_comes_from_settings_or_a_private_key_file_made_once(tmp_path):
    assert pseudonym_key(get_settings(workdir=tmp_path, pseudonym_key="s3cret")) == b"s3cret"
    settings = get_settings(workdir=tmp_path)
    first = pseudonym_key(settings)
    assert first == pseudonym_key(settings) and len(first) == 64
    key_file = settings.secrets / "pseudonym.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "s3cret" not in repr(get_settings(pseudonym_key="s3cret"))


def test_postcodes_are_cut_to_their_district_and_non_postcodes_to_null():
    got = postcode_district(pa.array(["PR1 2AB", "bb11 3xy", " L39 4QT ", "PR12AB", "not known", "", None, "PR1"]))
    assert got.to_pylist() == ["PR1", "BB11", "L39", "PR1", None, None, None, None]


def test_issues_distinct_ignores_empty_ranks_but_catches_repeats_anywhere():
    table = pa.table({
        "issue_1": ["A: a", "A: a", "A: a", "A: a"],
        "issue_2": ["B: b", None, "B: b", "B: b"],
        "issue_3": [None, None, "A: a", None],
        "issue_4": [None, None, None, None],
        "issue_5": [None, None, None, "B: b"],
    })
    assert issues_distinct(table).to_pylist() == [True, True, False, False]


def test_issues_split_into_category_and_detail_with_points_by_rank():
    good = pa.table({"response_id": ["LT0000001"], "updated_ts": pa.array([dt.datetime(2020, 1, 1)], pa.timestamp("us")),
                     "issue_1": ["Road safety: Speeding"], "issue_2": ["Other: Other (see other_issue_text)"],
                     "issue_3": pa.array([None], pa.string()), "issue_4": pa.array([None], pa.string()),
                     "issue_5": pa.array([None], pa.string())})
    rows = conform_issues(good, dt.date(2020, 1, 31)).to_pylist()
    assert [(r["issue_rank"], r["issue_category"], r["issue_detail"], r["priority_points"]) for r in rows] == [
        (1, "Road safety", "Speeding", 5), (2, "Other", "Other (see other_issue_text)", 4)]


def test_timestamps_with_offsets_become_utc_and_bad_ones_null():
    got = parse_timestamps(pa.chunked_array([["2020-01-15T10:00:00", "2020-06-15T10:00:00+01:00", "2020-02-30T10:00:00",
                                              "yesterday", None]]))
    assert got.to_pylist() == [dt.datetime(2020, 1, 15, 10), dt.datetime(2020, 6, 15, 9), None, None, None]


def test_alcohol_sources_match_whole_items_only():
    sources = pa.chunked_array([["Other family;Friends", "Other", None, "Parents;Other"]])
    assert has_source(sources, "Other").to_pylist() == [False, True, False, True]
    assert has_source(sources, "Other family").to_pylist() == [True, False, False, False]


def test_a_wave_is_a_school_year():
    assert wave_window("2019-20") == (dt.date(2019, 9, 1), dt.date(2020, 8, 31))
    with pytest.raises(SourceError):
        wave_window("2019-21")


def test_two_files_of_one_export_date_or_wave_are_refused(tmp_path):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "itk_lancashire_talking_20200131.csv").write_text("x")
        (tmp_path / sub / "ts_young_persons_survey_2019-20.csv").write_text("x")
    with pytest.raises(SourceError, match="two exports of the same date"):
        find_exports(DirectorySource(tmp_path))
    with pytest.raises(SourceError, match="same wave twice"):
        find_waves(DirectorySource(tmp_path))
    (tmp_path / "b" / "itk_lancashire_talking_20200131.csv").rename(tmp_path / "b" / "itk_lancashire_talking_20200231.csv")
    with pytest.raises(SourceError, match="not a date"):
        find_exports(DirectorySource(tmp_path))
