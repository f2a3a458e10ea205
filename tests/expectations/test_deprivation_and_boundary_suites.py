"""The reference suites of the Indices of Deprivation and the boundaries, on the real files as
published: File 1 (gzip, BOM, CRLF, ranks quoted with thousands separators) passes, and a broken
rank, decile or LSOA code is held back under its rule; an LSOA layer in the wrong units is rejected."""

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


def test_an_lsoa_layer_in_degrees_without_a_crs_is_rejected_not_mistaken_for_metres(tmp_path):
    """The published LSOA layer is Web Mercator metres with no `crs` member; the same layer in lon/lat
    (GeoJSON's default) would draw every area at the origin: the suite rejects the file, naming the extent it broke."""
    import json

    import pytest

    from tasks.errors import FileRejected

    published = json.loads((SAMPLE / "reference" / "lsoa_clean_shapefiles_2011_north_west_crs3857.json").read_text())
    feature = published["features"][0]
    degrees = {"type": "Polygon", "coordinates": [[[-2.9, 53.4], [-2.8, 53.4], [-2.8, 53.5], [-2.9, 53.4]]]}
    path = tmp_path / "lsoa.json"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature | {"geometry": degrees}]}))
    ref = geography.recognise(path)
    assert ref.layout.dataset == "boundary_lsoa11"
    table = geography.read_reference(ref)
    assert table["crs"].to_pylist() == ["EPSG:3857"]
    with pytest.raises(FileRejected, match="y_min"):
        checks.check_reference(table, "boundary_lsoa11", path.name)
