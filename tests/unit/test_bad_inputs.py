"""A catalogue of bad inputs (issue 8), on the force extract's read and raw suite: each ends in a
rejection that says what is wrong, or in quarantine under the rule broken, with rows in =
curated + quarantined; good rows around a bad one still load."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from synth.recorded_crime import extract_month, lancashire_lsoas, write_extract
from tasks.errors import FileRejected
from tasks.recorded_crime.checks import make_check_raw
from tasks.recorded_crime.read import read_extract
from tests.conftest import SAMPLE

MONTH = dt.date(2019, 6, 1)


@pytest.fixture(scope="module")
def good_text(tmp_path_factory) -> str:
    """A clean 300-row extract as the force sends it (only known offence codes)."""
    table = extract_month(MONTH, 400, lancashire_lsoas(SAMPLE / "reference"), seed=8)
    table = table.filter(pa.compute.invert(pa.compute.equal(table["ho_offence_code"], "999X"))).slice(0, 300)
    path = write_extract(table, tmp_path_factory.mktemp("x") / "recorded_crime_2019-06.csv")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def check():
    import csv

    with open(SAMPLE / "reference" / "offence_classification_SAMPLE.csv", encoding="utf-8") as handle:
        return make_check_raw([r["offence_code"] for r in csv.DictReader(handle)])


def load(tmp_path, data: bytes | str, check, faults_expected: int = 0):
    """Read and check a file's bytes: (good, bad) or FileRejected; rows the reader held back
    (faults) must number faults_expected."""
    path = tmp_path / "recorded_crime_2019-06.csv"
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    table, faults = read_extract(path, path.name)
    assert faults.num_rows == faults_expected, faults.to_pylist()
    good, bad, _ = check(table, MONTH, path.name)
    assert good.num_rows + bad.num_rows == table.num_rows
    return (good, bad, faults) if faults_expected else (good, bad)


def edit_row(text: str, row: int, column: str, value: str) -> str:
    """The CSV text with one cell replaced (row 1 = the first data row)."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text)))
    rows[row][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def header_edit(text: str, old: str, new: str) -> str:
    """The CSV text with the header's names edited (old and new are comma-joined names)."""
    head, rest = text.split("\n", 1)
    names = ",".join(n.strip('"') for n in head.split(","))
    return names.replace(old, new) + "\n" + rest


REJECTED = {
    "renamed column": (lambda t: header_edit(t, "victim_sex", "victim_gender"),
                       r"missing columns \['victim_sex'\]; unexpected columns \['victim_gender'\]"),
    "missing column": (lambda t: header_edit(t, ",suspect_sex", ""), r"missing columns \['suspect_sex'\]"),
    "extra PII column": (lambda t: header_edit(t, "officer_notes", "officer_notes,victim_name"),
                         r"unexpected columns \['victim_name'\]"),
    "reordered columns": (lambda t: header_edit(t, "victim_age,victim_sex", "victim_sex,victim_age"), "out of order"),
    "empty file": (lambda t: "", r"missing columns \['crime_ref'"),
    "cp1252 text": (lambda t: edit_row(t, 3, "victim_sex", "F\xe9").encode("cp1252"), "unreadable"),
    "truncated last row": (lambda t: t.rstrip("\n").rsplit(",", 5)[0] + "\n", r"truncated: its last row \(data row 300\)"),
    "truncated mid-row": (lambda t: t.rstrip("\n").rsplit(",", 5)[0], "truncated"),
    "header only": (lambda t: t.split("\n", 1)[0] + "\n", "raw suite failed"),
}


@pytest.mark.parametrize("case", sorted(REJECTED))
def test_a_broken_file_is_rejected_whole_saying_what_is_wrong(tmp_path, good_text, check, case):
    make, message = REJECTED[case]
    with pytest.raises(FileRejected, match=message) as err:
        load(tmp_path, make(good_text), check)
    assert "recorded_crime_2019-06.csv" in str(err.value)


QUARANTINED = {
    "text in a numeric field": ("victim_age", "forty", "victim_age_0_to_110"),
    "a row from another month": ("recorded_date", "2019-07-02", "recorded_date_in_file_month"),
    "a future date": ("recorded_date", "2031-06-02", "recorded_date_in_file_month"),
    "an unknown LSOA code": ("lsoa_code", "X01012345", "lsoa_code_pattern"),
    "a negative age": ("suspect_age", "-4", "suspect_age_10_to_110"),
    "a 10 MB single field": ("lsoa_code", "E" * (10 << 20), "lsoa_code_pattern"),
}


@pytest.mark.parametrize("case", sorted(QUARANTINED))
def test_a_bad_value_quarantines_its_row_under_the_rule_and_the_rest_load(tmp_path, good_text, check, case):
    column, value, rule = QUARANTINED[case]
    good, bad = load(tmp_path, edit_row(good_text, 7, column, value), check)
    assert bad.num_rows == 1 and good.num_rows == 299
    assert rule in bad["rule"][0].as_py().split(";") and bad["source_row"][0].as_py() == 7


def test_a_row_with_the_wrong_number_of_fields_is_held_back_by_number_without_its_text(tmp_path, good_text, check):
    lines = edit_row(good_text, 5, "crime_ref", "LC-1").replace("LC-1", '"LC-1', 1).split("\n")  # row 5: a quote left open
    lines[2] += ",extra"                      # data row 2: one field too many
    lines[40] = lines[40].rsplit(",", 3)[0]   # data row 40: three too few
    good, bad, faults = load(tmp_path, "\n".join(lines), check, faults_expected=3)
    assert good.num_rows + bad.num_rows == 297
    assert faults.select(["source_row", "rule"]).to_pylist() == [
        {"source_row": n, "rule": "malformed_row"} for n in (2, 5, 40)]
    # the rows around them keep their own numbers
    assert 1 in good["source_row"].to_pylist() and 3 in good["source_row"].to_pylist()
    assert 2 not in good["source_row"].to_pylist()


def test_duplicate_keys_hold_back_every_copy(tmp_path, good_text, check):
    import csv
    import io

    first = list(csv.reader(io.StringIO(good_text)))[1][0]
    good, bad = load(tmp_path, edit_row(good_text, 9, "crime_ref", first), check)
    assert sorted(bad["source_row"].to_pylist()) == [1, 9] and good.num_rows == 298
    assert set(bad["rule"].to_pylist()) == {"crime_ref_unique"}


def test_a_bom_and_crlf_line_endings_are_read_as_the_same_rows(tmp_path, good_text, check):
    good, bad = load(tmp_path, b"\xef\xbb\xbf" + good_text.replace("\n", "\r\n").encode("utf-8"), check)
    assert (good.num_rows, bad.num_rows) == (300, 0)
