"""The bad-input catalogue across the other feeds (issue 8; the force extract's cases are in
test_bad_inputs.py): police.uk street files, the MoJ tables, the ITK export and the Young Persons
Survey. Each ends in a rejection that says what is wrong, or in quarantine under the rule broken,
with rows in = curated + quarantined."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest

from tasks.errors import FileRejected
from tasks.feed import Context, Unit
from tasks.itk.read import read_export
from tasks.police_uk.feed import STREET
from tasks.reoffending.moj import read_moj_file
from tasks.reoffending.moj_checks import check_tables
from tasks.young_persons.read import read_wave
from tests.conftest import SAMPLE, SAMPLE_ZIP
from tests.unit.test_bad_inputs import edit_row as edit

MONTH = dt.date(2020, 1, 1)
STREET_NAME = "2020-01-lancashire-street.csv"
UNIT = Unit(None, "2020-01", "force=lancashire", ("lancashire", MONTH))


def member_text(archive, suffix: str) -> str:
    """The first member of a bundled archive whose name ends with suffix, as text."""
    with zipfile.ZipFile(archive) as z:
        return z.read(next(n for n in z.namelist() if n.endswith(suffix))).decode("utf-8")


@pytest.fixture(scope="module")
def street_text() -> str:
    """The real January 2020 Lancashire street file, first 500 rows."""
    return "".join(member_text(SAMPLE_ZIP, STREET_NAME).splitlines(keepends=True)[:501])


def check_street(tmp_path, data: str | bytes):
    """Read and run the raw suite on a street file's bytes: (good, bad), balanced."""
    path = tmp_path / STREET_NAME
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    (part,) = STREET.read(path, path.name, UNIT)
    table = part.rows
    assert part.faults.num_rows == 0
    good, bad, _ = STREET.check_raw(table, Context(UNIT, part, "0" * 64, "run", path.name))
    assert good.num_rows + bad.num_rows == table.num_rows == 500
    return good, bad


@pytest.mark.parametrize("column, value, rule", [
    ("Latitude", "75.2", "coordinates_in_uk"),           # out of range coordinates
    ("Longitude", "-12.5", "coordinates_in_uk"),
    ("Month", "2019-11", "month_equals_file"),          # a row from another month than the file's
    ("Month", "2031-01", "month_equals_file"),          # a future month
    ("LSOA code", "X01234567", "lsoa_code_pattern"),    # not an LSOA
    ("Crime type", "Cybercrime", "crime_type_known"),
])
def test_a_bad_street_row_is_quarantined_under_its_rule(tmp_path, street_text, column, value, rule):
    good, bad = check_street(tmp_path, edit(street_text, 7, column, value))
    assert bad.num_rows == 1 and rule in bad["rule"][0].as_py().split(";")
    assert bad["source_row"][0].as_py() == 7


def test_a_street_file_with_bom_and_crlf_reads_as_the_same_rows(tmp_path, street_text):
    plain, _ = check_street(tmp_path, street_text)
    (tmp_path / "b").mkdir()
    bommed, _ = check_street(tmp_path / "b", "\ufeff".encode() + street_text.replace("\n", "\r\n").encode())
    assert bommed.drop_columns(["source_row"]).equals(plain.drop_columns(["source_row"]))


def test_an_xlsx_without_its_data_sheet_is_rejected_naming_the_sheets(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Contents"
    book.active.append(["cohort", "offenders"])
    book.save(tmp_path / "reoffending_geographic_tool.xlsx")
    with pytest.raises(FileRejected, match=r"no sheet named 'Data' \(sheets: \['Contents'\]\)"):
        read_moj_file(tmp_path / "reoffending_geographic_tool.xlsx", "reoffending_geographic_tool.xlsx")


def test_a_negative_moj_count_is_quarantined(tmp_path):
    text = (SAMPLE / "moj_reoffending" / "proven_re-offending_overview_apr18-mar19_GENERATED.csv").read_text(encoding="utf-8")
    path = tmp_path / "overview.csv"
    path.write_text(edit(text, 3, "reoffenders", "-5"), encoding="utf-8")
    batch = read_moj_file(path, path.name)
    good, bad, _ = check_tables(batch.table, batch.layout, path.name)
    assert good.num_rows + bad.num_rows == batch.table.num_rows
    assert bad.num_rows == 1 and "count_is_number" in bad["rule"][0].as_py()


@pytest.fixture(scope="module")
def itk_text() -> str:
    """The bundled January ITK export, first 200 rows."""
    return "".join(member_text(SAMPLE / "itk" / "itk_lancashire_talking_2020_GENERATED.zip", "0131.csv").splitlines(keepends=True)[:201])


@pytest.mark.parametrize("change, message", [
    (lambda t: t.replace("age_band\n", "age_band,email\n", 1).replace("\n", ",someone@example.org\n").replace(
        "age_band,email,someone@example.org\n", "age_band,email\n", 1), r"unexpected columns \['email'\]"),  # PII column
    (lambda t: "", r"missing columns \['response_id'"),                                                      # empty file
    (lambda t: t.replace("ward_code,", "ward,", 1), r"missing columns \['ward_code'\]; unexpected columns \['ward'\]"),
])
def test_a_bad_itk_export_is_rejected_saying_what_is_wrong(tmp_path, itk_text, change, message):
    path = tmp_path / "itk_lancashire_talking_20200131.csv"
    path.write_text(change(itk_text), encoding="utf-8")
    with pytest.raises(FileRejected, match=message):
        read_export(path, path.name)


@pytest.fixture(scope="module")
def wave_text() -> str:
    """The bundled 2019-20 Young Persons Survey wave, first 200 pupils."""
    archive = SAMPLE / "trading_standards" / "ts_young_persons_survey_GENERATED.zip"
    return "".join(member_text(archive, "2019-20.csv").splitlines(keepends=True)[:201])


@pytest.mark.parametrize("change, message", [
    (lambda t: t.replace(",gender,", ",", 1), r"missing columns \['gender'\]"),
    (lambda t: edit(t, 4, "district", "Distr\xefct").encode("cp1252"), "unreadable"),        # cp1252 bytes
])
def test_a_bad_survey_wave_is_rejected_saying_what_is_wrong(tmp_path, wave_text, change, message):
    path = tmp_path / "ts_young_persons_survey_2019-20.csv"
    changed = change(wave_text)
    path.write_bytes(changed if isinstance(changed, bytes) else changed.encode("utf-8"))
    with pytest.raises(FileRejected, match=message):
        read_wave(path, path.name)


@pytest.mark.parametrize("column, value, rule", [
    ("age", "fifteen", "age_14_to_17"),             # text in a numeric field
    ("age", "-15", "age_14_to_17"),                 # a negative number
    ("district", "Gotham", "district_known"),       # an area that is not the partnership's
])
def test_a_bad_survey_answer_is_quarantined_under_its_rule(tmp_path, wave_text, column, value, rule):
    from tasks.young_persons.checks import check_raw

    path = tmp_path / "ts_young_persons_survey_2019-20.csv"
    path.write_text(edit(wave_text, 4, column, value), encoding="utf-8")
    table = read_wave(path, path.name)
    districts = sorted(set(r["district"] for r in csv.DictReader(io.StringIO(wave_text))))
    good, bad, _ = check_raw(table, "2019-20", path.name, districts)
    assert good.num_rows + bad.num_rows == table.num_rows == 200
    assert bad.num_rows == 1 and rule in bad["rule"][0].as_py().split(";")
