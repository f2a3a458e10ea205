"""The force's recorded-crime extract end to end on generated months, on DuckDB and PostgreSQL:
row accounting, reconciliation with the raw files, personal data never leaving landing, codes
missing from the weights file counted as unweighted, bad rows quarantined with their rule."""

from __future__ import annotations

import collections
import csv
import io
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from flows.ingest_recorded_crime import ingest_recorded_crime
from flows.ingest_reference import ingest_reference
from tasks.report import FeedFailed
from tasks.sample import SAMPLE_SOURCES
from tests.conftest import BACKENDS, SAMPLE_REFERENCE, make_warehouse, query
from tests.survey_fixtures import text_values_in_warehouse

SAMPLE_SOURCE = str(SAMPLE_SOURCES["recorded_crime_source"])
pytestmark = pytest.mark.usefixtures("prefect_api")
MONTHS = ["2019-04", "2019-05", "2019-06"]


def raw_rows(month: str) -> list[dict]:
    with zipfile.ZipFile(SAMPLE_SOURCE) as archive:
        return list(csv.DictReader(io.TextIOWrapper(archive.open(f"recorded_crime_{month}.csv"), encoding="utf-8")))


@pytest.fixture(scope="module", params=BACKENDS)
def loaded(request, tmp_path_factory, prefect_api):
    folder = tmp_path_factory.mktemp(request.param)
    url, cleanup = make_warehouse(request.param, folder)
    where = dict(workdir=str(folder / "var"), warehouse_url=url)
    ingest_reference(source=SAMPLE_REFERENCE, **where)
    result = ingest_recorded_crime(source=SAMPLE_SOURCE, months=f"{MONTHS[0]}:{MONTHS[-1]}", **where)
    yield {"url": url, "where": where, "result": result, "folder": folder}
    cleanup()


def counts(url: str) -> collections.Counter:
    rows = query(url, "select month, ho_offence_code, count(*) from fact_recorded_crime group by month, ho_offence_code")
    return collections.Counter({(f"{m:%Y-%m}", c): n for m, c, n in rows})


def test_rows_balance_and_reconcile_with_the_raw_extracts(loaded):
    log = query(loaded["url"], "select period, rows_in, rows_curated, rows_quarantined, status from etl_load_log "
                               "where feed = 'recorded_crime' order by period")
    assert [r[0] for r in log] == MONTHS and all(r[4] == "loaded" and r[1] == r[2] + r[3] for r in log)
    expected = collections.Counter((m, r["ho_offence_code"]) for m in MONTHS for r in raw_rows(m))
    assert counts(loaded["url"]) == expected


def test_personal_data_and_free_text_never_leave_landing(loaded):
    notes = {r["officer_notes"] for r in raw_rows(MONTHS[0])}
    assert any("Example Street" in n for n in notes)
    assert not text_values_in_warehouse(loaded["url"], lambda v: "Example Street" in v or v.startswith("recorded as "))
    lake = Path(loaded["where"]["workdir"]) / "lake"
    for path in lake.rglob("*.parquet"):
        table = pq.read_table(path)
        assert "officer_notes" not in table.column_names and "offence_description_recorded" not in table.column_names
        for name in table.column_names:
            if str(table.schema.field(name).type) == "string":
                assert not any(v and "Example Street" in v for v in table[name].to_pylist()), (path, name)


def test_a_code_missing_from_the_weights_is_counted_unweighted_and_reported(loaded):
    (rows, weighted), = query(loaded["url"], "select count(*), count(weight) from fact_recorded_crime where ho_offence_code = '999X'")
    assert rows > 0 and weighted == 0
    expected = sum(1 for m in MONTHS for r in raw_rows(m) if r["ho_offence_code"] == "999X")
    assert rows == expected
    messages = [m for (m,) in query(loaded["url"], "select message from etl_load_log where feed = 'recorded_crime'")]
    assert sum(int(m.split("999X: ")[1].split("}")[0]) for m in messages if "999X: " in m) == expected


def test_serious_violence_follows_the_configured_rules(loaded):
    rows = dict(query(loaded["url"], "select ho_offence_code, min(serious_violence_rules) from fact_recorded_crime "
                                     "where ho_offence_code in ('1', '34B', '19C') group by 1"))
    assert rows == {"1": "homicide", "34B": rows["34B"], "19C": "rape"} and "robbery" in rows["34B"]
    assert query(loaded["url"], "select count(*) from fact_recorded_crime where ho_offence_code = '46' "
                                "and is_serious_violence and not is_knife_crime") == [(0,)]


def test_bad_rows_are_quarantined_with_their_rule_and_the_rest_load(loaded, tmp_path):
    text = zipfile.ZipFile(SAMPLE_SOURCE).read("recorded_crime_2019-05.csv").decode()
    header, *rows = list(csv.reader(io.StringIO(text)))
    col = {c: i for i, c in enumerate(header)}
    rows[0][col["recorded_date"]] = "2019-06-01"                      # recorded_date_in_file_month
    rows[1][col["crime_ref"]] = rows[2][col["crime_ref"]]              # crime_ref_unique (both copies)
    rows[3][col["offence_date"]], rows[3][col["recorded_date"]] = "2019-05-20", "2019-05-02"  # offence after recorded
    rows[4][col["knife_flag"]] = "yes"                                  # knife_flag_y_or_n
    rows[5][col["victim_age"]] = "140"                                  # victim_age_0_to_110
    rows[6][col["hate_crime_strand"]] = "Race;Football"                 # hate_crime_strand_known
    rows[7] = rows[7][:-2]                                               # malformed_row: two fields short
    notes = rows[7][col["officer_notes"] - 2]
    path = tmp_path / "recorded_crime_2019-05.csv"
    with open(path, "w", newline="") as out:
        csv.writer(out).writerows([header, *rows])
    ingest_recorded_crime(source=str(path), rebuild_marts=False, **loaded["where"])
    got = {r[0]: r[1:] for r in query(loaded["url"], "select source_row, rule, raw_text from quarantine_recorded_crime")}
    assert got == {1: ("recorded_date_in_file_month", None), 2: ("crime_ref_unique", None), 3: ("crime_ref_unique", None),
                   4: ("offence_not_after_recorded", None), 5: ("knife_flag_y_or_n", None), 6: ("victim_age_0_to_110", None),
                   7: ("hate_crime_strand_known", None), 8: ("malformed_row", None)}
    # the malformed row's text holds officer notes: only its number is kept, nowhere its words
    assert notes and not query(loaded["url"], "select count(*) from quarantine_recorded_crime where raw_text is not null")[0][0]
    (rows_in, curated, quarantined), = query(loaded["url"], "select rows_in, rows_curated, rows_quarantined from etl_load_log "
                                                            "where period = '2019-05' order by finished_at desc limit 1")
    assert (rows_in, curated, quarantined) == (len(rows), len(rows) - 8, 8)
    ingest_recorded_crime(source=SAMPLE_SOURCE, months="2019-05", rebuild_marts=False, **loaded["where"])   # the clean extract replaces it
    assert query(loaded["url"], "select count(*) from quarantine_recorded_crime") == [(0,)]


def test_an_extract_without_its_notes_column_is_rejected_naming_it(loaded, tmp_path):
    before = counts(loaded["url"])
    text = zipfile.ZipFile(SAMPLE_SOURCE).read("recorded_crime_2019-06.csv").decode()
    header, *rows = list(csv.reader(io.StringIO(text)))
    path = tmp_path / "recorded_crime_2019-06.csv"
    with open(path, "w", newline="") as out:
        csv.writer(out).writerows([header[:-1], *[r[:-1] for r in rows]])
    with pytest.raises(FeedFailed, match=r"missing columns \['officer_notes'\]"):
        ingest_recorded_crime(source=str(path), **loaded["where"])
    assert counts(loaded["url"]) == before
