"""Finding street files in folders, single files and zip archives; landing copies with hashes."""

import hashlib
import re
import zipfile

import pytest

from tasks.errors import SourceError
from tasks.landing import land, read_manifest
from tasks.periods import parse_month_range
from tasks.police_uk.read import find_street_files
from tasks.sources import DirectorySource, ZipSource, open_source

HEADER = b"Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context\n"


def make_archive_tree(root):
    for month in ["2020-01", "2020-02", "2020-03"]:
        for force in ["lancashire", "cumbria"]:
            path = root / month / f"{month}-{force}-street.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(HEADER + f",{month},x,x,,,No Location,,,Anti-social behaviour,,\n".encode())
        (root / month / f"{month}-lancashire-outcomes.csv").write_bytes(b"x\n")


def test_folder_at_any_depth_filters_force_and_months(tmp_path):
    make_archive_tree(tmp_path / "deep" / "down")
    found = find_street_files(open_source(tmp_path), "lancashire", parse_month_range("2020-02:2020-03"))
    assert [f.period for f in found] == ["2020-02", "2020-03"]
    assert all(f.force == "lancashire" and f.file.name.endswith("-lancashire-street.csv") for f in found)


def test_one_file_and_a_zip_archive_give_the_same_files(tmp_path):
    make_archive_tree(tmp_path / "tree")
    single = find_street_files(open_source(tmp_path / "tree" / "2020-01" / "2020-01-cumbria-street.csv"), None, None)
    assert [(s.force, s.period) for s in single] == [("cumbria", "2020-01")]
    archive = tmp_path / "2020-03.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for p in sorted((tmp_path / "tree").rglob("*.csv")):
            z.write(p, str(p.relative_to(tmp_path / "tree")))
    from_zip = find_street_files(open_source(archive), "lancashire", None)
    assert [f.period for f in from_zip] == ["2020-01", "2020-02", "2020-03"]
    with from_zip[0].file.open() as handle:
        assert handle.read().startswith(HEADER)


def test_truncated_zip_is_a_clear_error(tmp_path):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("2020-01/2020-01-lancashire-street.csv", HEADER * 1000)
    archive.write_bytes(archive.read_bytes()[:300])
    with pytest.raises(SourceError, match="not a readable zip archive \\(truncated or corrupt\\)"):
        ZipSource(archive)


def test_corrupt_member_is_reported_when_read(tmp_path):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as z:
        z.writestr("2020-01/2020-01-lancashire-street.csv", HEADER * 1000)
    data = bytearray(archive.read_bytes())
    data[200] ^= 0xFF  # flip a byte inside the stored member
    archive.write_bytes(bytes(data))
    member = ZipSource(archive).list_files(re.compile("street"))[0]
    with pytest.raises(SourceError, match="truncated or corrupt"):
        land(member, "police_uk_street", "2020-01", tmp_path / "landing", "run-1")
    assert not list((tmp_path / "landing" / "police_uk_street").glob("*.csv"))


def test_missing_source_is_an_error(tmp_path):
    with pytest.raises(SourceError, match="source not found"):
        DirectorySource(tmp_path / "nope").list_files(re.compile("."))


def test_landing_names_files_by_hash_and_logs_every_landing(tmp_path):
    src = tmp_path / "2020-01-lancashire-street.csv"
    src.write_bytes(HEADER)
    file = DirectorySource(src).list_files(re.compile("street"))[0]
    first = land(file, "police_uk_street", "2020-01", tmp_path / "landing", "run-1")
    second = land(file, "police_uk_street", "2020-01", tmp_path / "landing", "run-2")
    assert first.sha256 == second.sha256 == hashlib.sha256(HEADER).hexdigest()
    assert first.path.read_bytes() == HEADER and first.path.name == f"{first.sha256}.csv"
    assert len(list((tmp_path / "landing" / "police_uk_street").iterdir())) == 1
    manifest = read_manifest(tmp_path / "landing")
    assert [m["run_id"] for m in manifest] == ["run-1", "run-2"]
    assert manifest[0]["size"] == len(HEADER) and manifest[0]["period"] == "2020-01"


def test_the_same_month_twice_in_a_source_is_refused_naming_both(tmp_path):
    make_archive_tree(tmp_path / "a")
    make_archive_tree(tmp_path / "b")
    with pytest.raises(SourceError, match="same month twice.*lancashire 2020-01: .*a/2020-01.* and .*b/2020-01"):
        find_street_files(open_source(tmp_path), "lancashire", None)


def test_a_corrupt_member_header_is_a_source_error(tmp_path):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as z:
        z.writestr("2020-01/2020-01-lancashire-street.csv", HEADER * 10)
    data = bytearray(archive.read_bytes())
    data[0:4] = b"XXXX"  # the member's local header signature
    archive.write_bytes(bytes(data))
    member = ZipSource(archive).list_files(re.compile("street"))[0]
    with pytest.raises(SourceError, match="truncated or corrupt"):
        land(member, "police_uk_street", "2020-01", tmp_path / "landing", "run-1")


def test_a_zip_member_climbing_out_of_the_folder_refuses_the_archive(tmp_path):
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("2020-01/2020-01-lancashire-street.csv", "Crime ID\n")
        archive.writestr("../../etc/2020-02-lancashire-street.csv", "Crime ID\n")
    with pytest.raises(SourceError, match=r"'../../etc/2020-02-lancashire-street.csv' climbs out of the archive"):
        open_source(path)


def test_a_zip_bomb_is_refused_by_its_compression_ratio_before_anything_is_read(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("2020-01/2020-01-lancashire-street.csv", b"0" * (40 << 20))
    with pytest.raises(SourceError, match=r"expands [0-9,]+x .* over the 200x limit"):
        open_source(path)


def test_a_zip_with_nested_folders_finds_its_members_at_any_depth(tmp_path):
    path = tmp_path / "nested.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("outer/inner/2020-01/2020-01-lancashire-street.csv", "Crime ID,Month\n")
    found = open_source(path).list_files(re.compile(r"-street\.csv$"))
    assert [f.name.split("!")[-1] for f in found] == ["outer/inner/2020-01/2020-01-lancashire-street.csv"]
