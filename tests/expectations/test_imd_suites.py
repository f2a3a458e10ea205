"""The Indices of Deprivation suites on the real File 1 as published (gzip, BOM, CRLF, quoted ranks
with thousands separators): good rows pass, and a broken rank, decile or LSOA code is held back
under its rule."""

from __future__ import annotations

import gzip

from tasks.reference import checks, geography
from tasks.reference.tables import conform_reference_table
from tests.conftest import SAMPLE

FILE_1 = SAMPLE / "reference" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"


def first_rows(tmp_path, edit=None, rows: int = 300):
    """File 1's header and first rows as published, with one data line edited; read and checked."""
    lines = gzip.decompress(FILE_1.read_bytes()).split(b"\r\n")[: rows + 1]
    assert lines[0].startswith(b"\xef\xbb\xbf")  # the BOM is part of the published file
    if edit:
        lines[7] = edit(lines[7])
    path = tmp_path / FILE_1.name
    path.write_bytes(gzip.compress(b"\r\n".join(lines) + b"\r\n"))
    ref = geography.recognise(path)
    assert ref.layout.dataset == "imd_index"
    table = geography.read_reference(ref)
    return table, checks.check_reference(table, "imd_index", path.name)


def test_the_published_rows_pass_and_ranks_become_numbers(tmp_path):
    table, (good, bad, outcome) = first_rows(tmp_path)
    assert bad.num_rows == 0 and good.num_rows == 300 and outcome.success is False  # a 300-row slice is not all of England
    assert outcome.warnings == ["expect_table_row_count_to_be_between (table): observed 300"]
    assert table["imd_rank"][0].as_py() == "29,199"
    assert conform_reference_table("imd_index", good, "0" * 64)["imd_rank"][0].as_py() == 29199


def test_a_broken_rank_decile_or_lsoa_code_is_held_back_under_its_rule(tmp_path):
    edits = [
        (lambda line: line.replace(b',"', b',"9.', 1), "imd_rank_thousands"),      # "9.29,199": not a published rank
        (lambda line: line.replace(b"E01", b"X01", 1), "lsoa_code_pattern"),
        (lambda line: line.rsplit(b",", 1)[0] + b",11", "imd_decile_1_to_10"),
    ]
    for edit, rule in edits:
        _, (good, bad, _) = first_rows(tmp_path, edit)
        assert (good.num_rows, bad.num_rows) == (299, 1), rule
        assert bad["rule"].to_pylist() == [rule]
