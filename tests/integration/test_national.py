"""National scale on a small generated archive: every force of England and Wales in the published
layout, the national ONS geography, and `--force all` loading each force's months with its own
force area; a monthly run with --incremental processes only new or changed files."""

from __future__ import annotations

import collections
import csv
import datetime as dt
import io
import zipfile

import pyarrow.parquet as pq
import pytest

from flows.ingest_police_uk import ingest_police_uk
from flows.ingest_reference import ingest_reference
from synth.police_uk_national import months_back, national_archive
from tests.conftest import query

pytestmark = [pytest.mark.usefixtures("prefect_api"), pytest.mark.national]
FORCES = ["city-of-london", "cumbria", "metropolitan"]


@pytest.fixture(scope="module")
def national(tmp_path_factory, national_lookups):
    """The national geography, and a two-month archive of three forces loaded with --force all: (where, archive, result)."""
    folder = tmp_path_factory.mktemp("national")
    where = dict(workdir=str(folder / "var"), warehouse_url=f"duckdb:///{folder / 'warehouse.duckdb'}")
    ingest_reference(source=str(national_lookups), **where)
    dim = pq.read_table(folder / "var" / "lake" / "curated" / "dim_geography" / "data.parquet")
    archive = national_archive(folder / "archive.zip", dim, months_back(dt.date(2020, 2, 1), 2), 60_000,
                               as_zip=True, forces=FORCES)
    return where, archive, ingest_police_uk(source=str(archive), force="all", **where)


def raw_counts(archive) -> collections.Counter:
    """(force, month) -> rows, read straight from the archive with the csv module."""
    counts = collections.Counter()
    with zipfile.ZipFile(archive) as z:
        for name in z.namelist():
            rows = sum(1 for _ in csv.reader(io.TextIOWrapper(z.open(name), encoding="utf-8", newline=""))) - 1
            counts[(name.rsplit("/", 1)[-1][8:].removesuffix("-street.csv"), name[:7])] = rows
    return counts


def test_every_file_of_every_force_balances_in_the_load_log_whatever_its_line_endings(national):
    where, archive, result = national
    with zipfile.ZipFile(archive) as z:
        crlf = {n.rsplit("/", 1)[-1]: b"\r\n" in z.read(n)[:2000] for n in z.namelist()}
    assert set(crlf.values()) == {True, False}  # the archive mixes CRLF and LF files, as police.uk publishes
    log = query(where["warehouse_url"], "select source_name, rows_in, rows_curated, rows_quarantined, status "
                "from etl_load_log where feed = 'police_uk_street' and run_id = :run", run=result["run_id"])
    by_file = {name.rsplit("/", 1)[-1]: (rows_in, curated, held, status) for name, rows_in, curated, held, status in log}
    assert set(by_file) == set(crlf)
    raw = {f"{month}-{force}-street.csv": n for (force, month), n in raw_counts(archive).items()}
    for name, (rows_in, curated, held, status) in by_file.items():
        assert status == "loaded" and rows_in == raw[name] == curated + held, (name, by_file[name], raw[name])


def test_all_forces_load_each_with_its_own_force_area(national):
    where, archive, result = national
    assert result["totals"]["files_loaded"] == 6
    loaded = query(where["warehouse_url"], "select force, strftime(month, '%Y-%m'), count(*), "
                   "count(distinct force_area_name), sum(case when out_of_area then 1 else 0 end) "
                   "from fact_street_crime group by 1, 2")
    assert {(f, m): n for f, m, n, _, _ in loaded} == raw_counts(archive)
    assert all(areas == 1 for *_, areas, _ in loaded), loaded
    assert all(away > 0 for _, _, n, _, away in loaded if n > 1000), loaded  # rows in a neighbour's LSOAs are flagged
    names = dict(query(where["warehouse_url"], "select distinct force, force_area_name from fact_street_crime"))
    assert names == {"city-of-london": "London, City of", "cumbria": "Cumbria", "metropolitan": "Metropolitan Police"}


def test_an_incremental_run_processes_only_new_and_changed_files(national, tmp_path):
    where, archive, _ = national
    before = dict(((f, m), n) for f, m, n in query(
        where["warehouse_url"], "select force, strftime(month, '%Y-%m'), count(*) from fact_street_crime group by 1, 2"))
    # Next month's archive: the same two months (one revised by police.uk) and a new one.
    newer = tmp_path / "archive.zip"
    with zipfile.ZipFile(archive) as old, zipfile.ZipFile(newer, "w", zipfile.ZIP_DEFLATED) as new:
        for name in old.namelist():
            data = old.read(name)
            if name == "2020-02/2020-02-cumbria-street.csv":
                data = b"".join(data.splitlines(keepends=True)[:-25])  # revised: 25 rows withdrawn
            new.writestr(name, data)
        new.writestr("2020-03/2020-03-cumbria-street.csv", old.read("2020-02/2020-02-cumbria-street.csv").replace(b"2020-02", b"2020-03"))
    result = ingest_police_uk(source=str(newer), force="all", incremental=True, **where)
    assert result["totals"]["files_loaded"] == 2 and result["totals"]["files_unchanged"] == 5
    after = dict(((f, m), n) for f, m, n in query(
        where["warehouse_url"], "select force, strftime(month, '%Y-%m'), count(*) from fact_street_crime group by 1, 2"))
    assert after[("cumbria", "2020-02")] == before[("cumbria", "2020-02")] - 25
    assert after[("cumbria", "2020-03")] == before[("cumbria", "2020-02")]
    assert {k: v for k, v in after.items() if k[0] != "cumbria" or k[1] == "2020-01"} == \
        {k: v for k, v in before.items() if k[0] != "cumbria" or k[1] == "2020-01"}
    again = ingest_police_uk(source=str(newer), force="all", incremental=True, **where)
    assert again["totals"]["files_loaded"] == 0 and again["totals"]["files_unchanged"] == 7


def test_a_local_dask_cluster_gives_the_same_counts(national, national_lookups, tmp_path):
    """The police.uk flow with its files prepared on a two-worker local Dask cluster (processes)."""
    pytest.importorskip("prefect_dask")
    from flows.runners import make_task_runner

    _, archive, _ = national
    where = dict(workdir=str(tmp_path / "var"), warehouse_url=f"duckdb:///{tmp_path / 'warehouse.duckdb'}")
    ingest_reference(source=str(national_lookups), **where)
    on_dask = ingest_police_uk.with_options(task_runner=make_task_runner("dask"))
    result = on_dask(source=str(archive), force="all", **where)
    assert result["totals"]["files_loaded"] == 6
    loaded = query(where["warehouse_url"], "select force, strftime(month, '%Y-%m'), count(*) from fact_street_crime group by 1, 2")
    assert {(f, m): n for f, m, n in loaded} == raw_counts(archive)


def test_a_month_checked_together_still_says_which_file(national, tmp_path):
    """Small files of one month go through each suite in one call; a bad row lands in its own file's
    quarantine, and a warning sends the month back file by file so it names the right file."""
    where, archive, _ = national
    with zipfile.ZipFile(archive) as z:
        for name in (n for n in z.namelist() if n.startswith("2020-01/")):
            rows = list(csv.reader(io.StringIO(z.read(name).decode(), newline="")))
            crime = next(i for i, r in enumerate(rows) if i and r[9] != "Anti-social behaviour" and r[5])
            if "cumbria" in name:
                rows[crime][5] = "75.5"  # latitude north of the UK
            if "metropolitan" in name:
                rows[crime][10] = "Sent to the moon"  # an outcome police.uk never published
            path = tmp_path / name
            path.parent.mkdir(exist_ok=True)
            with open(path, "w", newline="", encoding="utf-8") as out:
                csv.writer(out, lineterminator="\n").writerows(rows)
    result = ingest_police_uk(source=str(tmp_path), force="all", rebuild_marts=False, **where)
    assert result["totals"]["files_loaded"] == 3 and result["totals"]["rows_quarantined"] == 1
    log = {name.rsplit("/", 1)[-1][8:].removesuffix("-street.csv"): (held, warnings or "") for name, held, warnings in query(
        where["warehouse_url"], "select source_name, rows_quarantined, warnings from etl_load_log "
        f"where run_id = '{result['run_id']}'")}
    assert log["cumbria"][0] == 1 and log["metropolitan"][0] == 0 and log["city-of-london"][0] == 0
    assert "Sent to the moon" in log["metropolitan"][1]
    assert "Sent to the moon" not in log["cumbria"][1] + log["city-of-london"][1]
