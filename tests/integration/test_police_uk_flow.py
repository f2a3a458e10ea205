"""The police.uk feed end to end on the four real sample months, on DuckDB and on PostgreSQL:
row accounting, reconciliation with the raw CSVs, idempotent re-runs, rejected files and archives."""

from __future__ import annotations

import collections
import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from flows.ingest_police_uk import ingest_police_uk
from flows.ingest_reference import ingest_reference
from tasks.report import FeedFailed
from tests.conftest import BACKENDS, SAMPLE_REFERENCE, SAMPLE_ZIP, make_warehouse, query

pytestmark = pytest.mark.usefixtures("prefect_api")


def raw_counts() -> collections.Counter:
    """(month, crime type) -> rows, straight from the sample CSVs with the csv module."""
    counts = collections.Counter()
    with zipfile.ZipFile(SAMPLE_ZIP) as archive:
        for name in archive.namelist():
            with archive.open(name) as handle:
                for row in csv.DictReader(io.TextIOWrapper(handle, encoding="utf-8")):
                    counts[(row["Month"], row["Crime type"])] += 1
    return counts


@pytest.fixture(scope="module", params=BACKENDS)
def loaded(request, tmp_path_factory, prefect_api):
    """The sample months loaded once into a warehouse of each backend."""
    folder = tmp_path_factory.mktemp(request.param)
    url, cleanup = make_warehouse(request.param, folder)
    where = dict(workdir=str(folder / "var"), warehouse_url=url)
    ingest_reference(source=SAMPLE_REFERENCE, **where)
    result = ingest_police_uk(source=str(SAMPLE_ZIP), **where)
    yield {"url": url, "where": where, "result": result, "folder": folder}
    cleanup()


def fact_counts(url: str) -> collections.Counter:
    rows = query(url, "select month, crime_type, count(*) from fact_street_crime group by month, crime_type")
    return collections.Counter({(f"{m:%Y-%m}", t): n for m, t, n in rows})


def test_every_file_balances_in_the_load_log(loaded):
    rows = query(loaded["url"], "select period, rows_in, rows_curated, rows_quarantined, status, source_sha256 "
                                "from etl_load_log where feed = 'police_uk_street' order by period")
    assert [r[0] for r in rows] == ["2019-12", "2020-01", "2020-02", "2020-03"]
    assert [r[1] for r in rows] == [14748, 16153, 15344, 18093]
    for period, rows_in, curated, quarantined, status, sha in rows:
        assert status == "loaded"
        assert rows_in == curated + quarantined
        assert len(sha) == 64


def test_counts_by_month_and_type_equal_the_raw_csvs(loaded):
    quarantined = query(loaded["url"], "select month, crime_type, count(*) from quarantine_street_crime group by month, crime_type")
    counts = fact_counts(loaded["url"]) + collections.Counter({(m, t): n for m, t, n in quarantined})
    assert counts == raw_counts()
    assert sum(counts.values()) == 64338


def test_real_months_need_no_quarantine_and_keep_their_quirks(loaded):
    url = loaded["url"]
    assert query(url, "select count(*) from quarantine_street_crime") == [(0,)]
    (asb, asb_with_id), = query(url, "select sum(case when is_asb then 1 else 0 end), "
                                     "sum(case when is_asb and crime_id is not null then 1 else 0 end) from fact_street_crime")
    assert asb > 15000 and asb_with_id == 0
    (repeats, groups), = query(url, "select count(*), count(distinct crime_id) from fact_street_crime where crime_id_repeats > 1")
    assert repeats > 0 and groups < repeats  # repeated ids are all kept, numbered
    (extra,), = query(url, "select count(*) from fact_street_crime where crime_id_occurrence > 1")
    assert extra == repeats - groups
    (out_of_area,), = query(url, "select count(*) from fact_street_crime where out_of_area")
    assert out_of_area > 0
    (in_area_without_authority,), = query(
        url, "select count(*) from fact_street_crime where not out_of_area and has_location and authority_name is null")
    assert in_area_without_authority == 0
    assert query(url, "select count(distinct bcu) from fact_street_crime where not out_of_area and has_location") == [(3,)]


def test_rerunning_the_same_months_changes_nothing(loaded):
    content = ("select month, crime_id, crime_id_occurrence, crime_type, lsoa_code, authority_name, bcu, out_of_area, "
               "last_outcome_category, source_row, l.source_sha256 from fact_street_crime join etl_load_log l using (load_id)")
    before = sorted(query(loaded["url"], content), key=str)
    mart_before = sorted(query(loaded["url"], "select * from mart_crime_trend"), key=str)
    ingest_police_uk(source=str(SAMPLE_ZIP), months="2020-01:2020-02", **loaded["where"])
    assert sorted(query(loaded["url"], content), key=str) == before
    assert sorted(query(loaded["url"], "select * from mart_crime_trend"), key=str) == mart_before
    (rows, distinct), = query(loaded["url"], "select count(*), count(distinct l.source_sha256 || ':' || cast(source_row as text)) "
                              "from fact_street_crime join etl_load_log l using (load_id)")
    assert rows == distinct == 64338
    runs = query(loaded["url"], "select count(distinct run_id) from etl_load_log where feed = 'police_uk_street' and period = '2020-01'")
    assert runs == [(2,)]


def test_a_revised_month_replaces_the_month_and_only_it(loaded, tmp_path):
    before = fact_counts(loaded["url"])
    with zipfile.ZipFile(SAMPLE_ZIP) as archive:
        text = archive.read("2020-02/2020-02-lancashire-street.csv").decode()
    lines = text.splitlines(keepends=True)
    revised = lines[0] + "".join(lines[1:-40])  # police.uk republished February without 40 rows
    folder = tmp_path / "2020-02"
    folder.mkdir()
    (folder / "2020-02-lancashire-street.csv").write_text(revised)
    ingest_police_uk(source=str(tmp_path), **loaded["where"])
    after = fact_counts(loaded["url"])
    dropped = collections.Counter((r["Month"], r["Crime type"]) for r in csv.DictReader(io.StringIO(lines[0] + "".join(lines[-40:]))))
    assert after == before - dropped  # February lost exactly those rows; the other months are untouched
    assert {m for m, _ in before - after} == {"2020-02"}
    lake = Path(loaded["where"]["workdir"]) / "lake" / "curated" / "police_uk_street" / "force=lancashire" / "month=2020-02"
    import pyarrow.parquet as pq

    assert pq.ParquetFile(lake / "data.parquet").metadata.num_rows == len(lines) - 41
    ingest_police_uk(source=str(SAMPLE_ZIP), months="2020-02", **loaded["where"])  # the original back, for the tests after
    assert fact_counts(loaded["url"]) == before


def test_a_wrong_header_rejects_the_file_and_leaves_earlier_loads(loaded, tmp_path):
    before = fact_counts(loaded["url"])
    bad = tmp_path / "2020-02" / "2020-02-lancashire-street.csv"
    bad.parent.mkdir()
    with zipfile.ZipFile(SAMPLE_ZIP) as archive:
        text = archive.read("2020-02/2020-02-lancashire-street.csv").decode()
    bad.write_text(text.replace("LSOA code,", "LSOA_code,", 1).replace(",Context", ",Notes", 1))
    with pytest.raises(FeedFailed) as err:
        ingest_police_uk(source=str(tmp_path), **loaded["where"])
    message = str(err.value)
    assert "missing columns ['LSOA code', 'Context']" in message
    assert "unexpected columns ['LSOA_code', 'Notes']" in message
    assert fact_counts(loaded["url"]) == before
    status = query(loaded["url"], "select status, message from etl_load_log where feed = 'police_uk_street' "
                                  "and period = '2020-02' order by finished_at desc limit 1")
    assert status[0][0] == "rejected" and status[0][1].startswith("header does not match the contract: missing")


def test_a_truncated_zip_gives_a_clear_error_and_leaves_earlier_loads(loaded, tmp_path):
    before = fact_counts(loaded["url"])
    truncated = tmp_path / "2020-03.zip"
    data = SAMPLE_ZIP.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(FeedFailed) as err:
        ingest_police_uk(source=str(truncated), **loaded["where"])
    assert "not a readable zip archive (truncated or corrupt)" in str(err.value)
    assert fact_counts(loaded["url"]) == before
    logged = query(loaded["url"], "select status, message from etl_load_log where source_name = :s", s=str(truncated))
    assert len(logged) == 1 and logged[0][0] == "rejected" and "truncated or corrupt" in logged[0][1]


def edit_rows(month: str, edits) -> tuple[str, list[str], list[list[str]]]:
    """The sample month's header and rows, with edits(rows) applied, as csv lists."""
    with zipfile.ZipFile(SAMPLE_ZIP) as archive:
        text = archive.read(f"{month}/{month}-lancashire-street.csv").decode()
    header, *rows = list(csv.reader(io.StringIO(text)))
    edits(rows)
    return text, header, rows


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="") as out:
        csv.writer(out, lineterminator="\r\n").writerows([header, *rows])
    return path


def test_bad_rows_go_to_quarantine_with_their_rule(loaded, tmp_path):
    broken = {}

    def edits(rows):
        crimes = [i for i, r in enumerate(rows) if r[0]]
        asb = next(i for i, r in enumerate(rows) if r[9] == "Anti-social behaviour")
        rows[crimes[0]][1] = "2019-11"                       # month_equals_file
        rows[asb][0] = "a" * 64                              # crime_id_iff_not_asb
        rows[crimes[1]][7] = "X01999999"                     # lsoa_code_pattern
        rows[crimes[2]][4], rows[crimes[2]][5] = "2.5", "48.8"  # coordinates_in_uk (France)
        rows[crimes[3]][9] = "Jaywalking"                     # crime_type_known
        broken.update({crimes[0] + 1: "month_equals_file", asb + 1: "crime_id_iff_not_asb",
                       crimes[1] + 1: "lsoa_code_pattern", crimes[2] + 1: "coordinates_in_uk",
                       crimes[3] + 1: "crime_type_known"})

    _, header, rows = edit_rows("2019-12", edits)
    ingest_police_uk(source=str(write_csv(tmp_path / "2019-12-lancashire-street.csv", header, rows)), rebuild_marts=False, **loaded["where"])
    got = query(loaded["url"], "select source_row, rule, crime_type from quarantine_street_crime order by source_row")
    assert [(r, rule) for r, rule, _ in got] == sorted(broken.items())
    assert "Jaywalking" in [t for _, _, t in got]  # original values are kept
    (rows_in, curated, quarantined), = query(
        loaded["url"], "select rows_in, rows_curated, rows_quarantined from etl_load_log "
                       "where period = '2019-12' order by finished_at desc limit 1")
    assert (rows_in, curated, quarantined) == (14748, 14743, 5)
    ingest_police_uk(source=str(SAMPLE_ZIP), months="2019-12", rebuild_marts=False, **loaded["where"])  # the clean file replaces it
    assert query(loaded["url"], "select count(*) from quarantine_street_crime") == [(0,)]
    assert fact_counts(loaded["url"]) == raw_counts()


def test_one_malformed_row_or_unparseable_number_is_quarantined_and_the_month_loads(loaded, tmp_path):
    def edits(rows):
        rows[9] = rows[9][:5]                  # data row 10: 5 of its 12 fields
        rows[19][5] = "fifty-three"            # data row 20: a latitude that is not a number
        rows[29] = rows[29] + ["stray"]        # data row 30: a 13th field

    _, header, rows = edit_rows("2019-12", edits)
    path = write_csv(tmp_path / "2019-12-lancashire-street.csv", header, rows)
    lines = path.read_bytes().decode().split("\r\n")
    ingest_police_uk(source=str(path), rebuild_marts=False, **loaded["where"])
    got = query(loaded["url"], "select source_row, rule, raw_text, crime_type from quarantine_street_crime "
                               "order by source_row")
    assert got == [(10, "malformed_row", lines[10], None), (20, "unparseable_number", lines[20], None),
                   (30, "malformed_row", lines[30], None)]
    (status, rows_in, curated, quarantined), = query(
        loaded["url"], "select status, rows_in, rows_curated, rows_quarantined from etl_load_log "
                       "where period = '2019-12' order by finished_at desc limit 1")
    assert (status, rows_in, curated, quarantined) == ("loaded", 14748, 14745, 3)
    # the row numbers of the rows around them are the file's own
    assert query(loaded["url"], "select min(source_row), max(source_row), count(*) from fact_street_crime "
                                "where month = '2019-12-01' and source_row between 9 and 11") == [(9, 11, 2)]
    ingest_police_uk(source=str(SAMPLE_ZIP), months="2019-12", rebuild_marts=False, **loaded["where"])  # the clean file replaces it
    assert query(loaded["url"], "select count(*) from quarantine_street_crime") == [(0,)]
    assert fact_counts(loaded["url"]) == raw_counts()


def test_an_unseen_outcome_is_a_warning_not_a_rejection(loaded, tmp_path):
    with zipfile.ZipFile(SAMPLE_ZIP) as archive:
        text = archive.read("2020-03/2020-03-lancashire-street.csv").decode()
    path = tmp_path / "2020-03-lancashire-street.csv"
    path.write_text(text.replace("Unable to prosecute suspect", "Offender given a brand new outcome", 3))
    result = ingest_police_uk(source=str(path), rebuild_marts=False, **loaded["where"])
    assert result["totals"]["rows_quarantined"] == 0
    (warnings,), = query(loaded["url"], "select warnings from etl_load_log where period = '2020-03' "
                                        "order by finished_at desc limit 1")
    assert "outcome_category_known" in warnings and "Offender given a brand new outcome" in warnings
    ingest_police_uk(source=str(SAMPLE_ZIP), months="2020-03", rebuild_marts=False, **loaded["where"])


def test_each_run_publishes_row_accounting_and_validation_artifacts(loaded):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    run_id = loaded["result"]["run_id"]
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[run_id])))
    by_key = {a.key: a for a in artifacts}
    table = by_key["police-uk-street-files"]
    assert table.type == "table"
    rows = json.loads(table.data) if isinstance(table.data, str) else table.data
    assert [(r["period"], r["rows_in"], r["curated"], r["quarantined"]) for r in rows] == [
        ("2019-12", 14748, 14748, 0), ("2020-01", 16153, 16153, 0), ("2020-02", 15344, 15344, 0), ("2020-03", 18093, 18093, 0)]
    markdown = by_key["police-uk-street-validation"]
    assert markdown.type == "markdown" and "64,338 rows in = 64,338 curated + 0 quarantined" in markdown.data


def test_a_month_batch_is_one_named_task_run_with_its_stages_inside_it(loaded):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[loaded["result"]["run_id"]])))
    names = sorted(r.name for r in runs)
    months = ["2019-12", "2020-01", "2020-02", "2020-03"]
    assert [n for n in names if n.startswith("police_uk_street ")] == [f"police_uk_street {m} lancashire (1 file)" for m in months]
    assert [n for n in names if n.startswith("publish ")] == \
        ["publish 2 partitions of fact_street_crime, quarantine_street_crime (1 files)"] * 4
    # the stages are plain calls inside their batch: a person watches 4 batches, not 24 stage runs
    assert not [n for n in names if n.split()[0] in ("land", "read", "validate-raw", "conform", "validate-curated",
                                                      "write-lake")]
    assert len(runs) == 4 + 4 + 4, names  # batches, their loads; finding the files, preparing, recovering, the marts
