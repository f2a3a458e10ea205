"""Reading a street file with the declared schema: exact header, BOM and CRLF, unreadable values."""

import pytest

from tasks.errors import FileRejected
from tasks.police_uk.read import read_street
from tasks.police_uk.schema import RAW_COLUMNS

HEADER = ",".join(RAW_COLUMNS)
ROW = "abc,2020-01,Lancashire Constabulary,Lancashire Constabulary,-2.45,53.76,On or near X,E01012607,Blackburn with Darwen 001A,Burglary,Under investigation,"


def test_bom_and_crlf_are_accepted_and_empty_fields_are_null(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(("\ufeff" + HEADER + "\r\n" + ROW + "\r\n" + ",2020-01,L,L,,,No Location,,,Anti-social behaviour,,\r\n").encode())
    table, faults = read_street(path, "f.csv")
    assert faults.num_rows == 0
    assert table.column_names == RAW_COLUMNS + ["source_row"]
    assert table.column("Latitude").to_pylist() == [53.76, None]
    assert table.column("Crime ID").to_pylist() == ["abc", None]
    assert table.column("source_row").to_pylist() == [1, 2]


def test_missing_and_unexpected_columns_are_named(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text(HEADER.replace("Crime type", "Offence").replace(",Context", "") + "\n")
    with pytest.raises(FileRejected) as err:
        read_street(path, "f.csv")
    assert "missing columns ['Crime type', 'Context']" in str(err.value)
    assert "unexpected columns ['Offence']" in str(err.value)


def test_reordered_columns_are_rejected(tmp_path):
    cols = RAW_COLUMNS[:]
    cols[4], cols[5] = cols[5], cols[4]
    path = tmp_path / "f.csv"
    path.write_text(",".join(cols) + "\n")
    with pytest.raises(FileRejected, match="out of order"):
        read_street(path, "f.csv")


def test_a_coordinate_that_is_not_a_number_holds_back_its_row_with_its_text(tmp_path):
    path = tmp_path / "f.csv"
    bad = ROW.replace("53.76", "fifty-three")
    path.write_text(HEADER + "\n" + ROW + "\n" + bad + "\n" + ROW + "\n")
    table, faults = read_street(path, "f.csv")
    assert table.column("source_row").to_pylist() == [1, 3] and table.column("Latitude").to_pylist() == [53.76, 53.76]
    assert faults.to_pylist() == [{"source_row": 2, "rule": "unparseable_number", "raw_text": bad}]


def test_a_file_whose_only_fault_rejects_it_is_still_rejected_by_feeds_that_reject_whole(tmp_path):
    from tasks.csv_read import read_csv
    from tasks.police_uk.schema import RAW_SCHEMA

    path = tmp_path / "f.csv"
    path.write_text(HEADER + "\n" + ROW + "\n" + ROW.replace("53.76", "fifty-three") + "\n")
    with pytest.raises(FileRejected, match=r"1 bad rows: data row 2 \(unparseable_number\)"):
        read_csv(path, RAW_SCHEMA, "f.csv")
