"""DuckDB's facts and quarantine as views over the lake: key columns read back from folder names
exactly, and a warehouse made before (facts as tables) moved onto the lake only when the lake
holds the same rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest
import sqlalchemy as sa

from tasks import lake
from tasks.lake_views import OtherLake, refresh, serve, served_lake, view_targets
from tasks.police_uk.schema import CURATED_SCHEMA
from tests.conftest import query
from tests.integration.test_marts import FIXTURE, fact_rows
from warehouse.engine import ensure_schema, open_engine
from warehouse.load import bulk_insert_arrow

# Values each key column holds in the feeds' real and generated files, the awkward ones included:
# force slugs with '-', financial years with '/', MoJ partition labels with '/' and '='.
KEY_VALUES = {
    "force": ["lancashire", "avon-and-somerset", "metropolitan"],
    "month": [dt.date(2020, 3, 1), dt.date(2019, 12, 1)],
    "file_month": [dt.date(2020, 3, 1)],
    "financial_year": ["2019/20", "2018/19"],
    "period": ["2019/20", "unknown"],
    "wave": ["2019-20", "2015-16"],
    "file_wave": ["2019-20"],
    "export_date": [dt.date(2020, 1, 31)],
    "cohort_start": [dt.date(2019, 4, 1)],
    "file_cohort_start": [dt.date(2019, 10, 1)],
    "layout": ["geographic", "overview"],
    "period_start": [dt.date(2019, 4, 1)],
    "period_type": ["quarterly", "annual"],
    "measure": ["new", "old"],
    "partition_key": ["layout=geographic/period_start=2019-04-01/period_type=quarterly",
                      "layout=geographic/file=revised_jan20.csv", "layout=series/measure=new/period_type=annual"],
    "feed": ["ons_lad_csp_pfa", "boundary_lsoa11"],
}


@pytest.mark.parametrize("table", sorted(view_targets()))
def test_every_view_reads_its_key_values_back_from_their_folder_names(table):
    target = view_targets()[table]
    assert target.key, f"{table} has no partition key: a view over its lake could not replace a partition"
    for column in target.key:
        assert column in KEY_VALUES, f"add the values {table}.{column} holds to KEY_VALUES"
        for value in KEY_VALUES[column]:
            folder = target.folder(value)
            assert "/" not in folder, (table, column, value)
            sql = target.folder.sql(column, isinstance(value, dt.date))
            got = duckdb.connect().execute(f'select {sql} from (select ? as "{column}")', [folder]).fetchall()
            assert got == [(value,)], (table, column, folder)


def stage_partition(lake_root, rows: pa.Table, month: dt.date) -> None:
    """The month's rows as the lake holds them: in their partition's folder, without the key columns."""
    part = rows.filter(pc.equal(rows["month"], pa.scalar(month, pa.date32())))
    folder = lake.partition_dir(lake_root, "curated", "police_uk_street", force="lancashire", month=month.strftime("%Y-%m"))
    lake.promote(lake.stage(part.drop_columns(["force", "month"]), folder))


def table_with_rows(tmp_path) -> tuple[str, pa.Table]:
    """A warehouse made before the views: fact_street_crime a table holding the fixture's rows."""
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    rows = fact_rows(FIXTURE)  # load_id 1
    engine = open_engine(url)
    ensure_schema(engine)
    with engine.begin() as conn:
        bulk_insert_arrow(conn, "fact_street_crime", rows, rows.schema.names)
    return url, rows


def rows_of(url: str) -> list[tuple]:
    """fact_street_crime's rows, sorted, with the view's column types."""
    return sorted(query(url, f"select {', '.join(CURATED_SCHEMA.names)} from fact_street_crime"), key=str)


def test_a_table_whose_rows_the_lake_holds_becomes_a_view_over_it(tmp_path):
    url, rows = table_with_rows(tmp_path)
    before = rows_of(url)
    for month in sorted(set(rows["month"].to_pylist())):
        stage_partition(tmp_path / "lake", rows, month)
    done = serve(open_engine(url), tmp_path / "lake")
    assert done == [f"fact_street_crime: now a view over the lake's {len(before)} rows (the table's copy dropped)"]
    kinds = dict(query(url, "select table_schema || '.' || table_name, table_type from information_schema.tables"))
    assert kinds["main.fact_street_crime"] == "VIEW" and kinds["quarantine.quarantine_street_crime"] == "VIEW"
    assert rows_of(url) == before  # same rows, same types, keys from the folder names
    # a month's folder replaced is the month replaced, seen without touching the warehouse
    march = dt.date(2020, 3, 1)
    stage_partition(tmp_path / "lake", rows.filter(pc.not_equal(rows["crime_type"], "Robbery")), march)
    assert query(url, "select count(*) from fact_street_crime where month = date '2020-03-01'") == \
        [(sum(1 for r in rows.to_pylist() if r["month"] == march and r["crime_type"] != "Robbery"),)]


def test_a_table_whose_rows_the_lake_lacks_stays_a_table_and_says_why(tmp_path):
    url, rows = table_with_rows(tmp_path)
    stage_partition(tmp_path / "lake", rows, dt.date(2019, 4, 1))  # one month of several
    done = serve(open_engine(url), tmp_path / "lake")
    assert done == [f"fact_street_crime: kept as a table; it holds {rows.num_rows} rows and its lake files 2"]
    assert query(url, "select table_type from information_schema.tables where table_name = 'fact_street_crime'") == [("BASE TABLE",)]
    assert len(rows_of(url)) == rows.num_rows


def test_a_view_with_no_lake_files_reads_as_its_empty_table_and_the_ddl_alters_its_shape(tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    engine = open_engine(url)
    ensure_schema(engine)
    assert serve(engine, tmp_path / "lake") == []
    assert query(url, "select count(*) from fact_street_crime") == [(0,)]
    with engine.begin() as conn:  # a column the DDL adds later goes to the shape, and the view shows it
        conn.execute(sa.text("alter table lake_shape.quarantine_street_crime drop column raw_text"))
    ensure_schema(engine)
    serve(engine, tmp_path / "lake")
    assert ("raw_text",) in query(url, "select column_name from information_schema.columns "
                                       "where table_schema = 'quarantine' and table_name = 'quarantine_street_crime'")


def test_a_view_is_not_pointed_away_from_the_lake_that_holds_its_rows(tmp_path):
    url, rows = table_with_rows(tmp_path)
    for month in sorted(set(rows["month"].to_pylist())):
        stage_partition(tmp_path / "lake", rows, month)
    serve(open_engine(url), tmp_path / "lake")
    with pytest.raises(OtherLake, match=f"fact_street_crime is a view over the lake at {tmp_path / 'lake'}, which holds "
                                        f"its rows, and this run's lake {tmp_path / 'elsewhere'} holds none"):
        serve(open_engine(url), tmp_path / "elsewhere")
    assert len(rows_of(url)) == rows.num_rows  # still the first lake's rows
    (tmp_path / "lake").rename(tmp_path / "moved")  # a lake moved with its warehouse is followed
    serve(open_engine(url), tmp_path / "moved")
    assert len(rows_of(url)) == rows.num_rows


def test_views_read_the_lake_by_its_absolute_path_whatever_the_run_was_given(tmp_path, monkeypatch):
    url, rows = table_with_rows(tmp_path)
    for month in sorted(set(rows["month"].to_pylist())):
        stage_partition(tmp_path / "lake", rows, month)
    monkeypatch.chdir(tmp_path)
    serve(open_engine(url), Path("lake"))  # the default workdir is ./var: a relative lake
    with open_engine(url).begin() as conn:
        refresh(conn, {"fact_street_crime"}, Path("lake"))  # as each publish does
        assert served_lake(conn, view_targets()["fact_street_crime"]) == tmp_path / "lake"
    monkeypatch.chdir("/")
    assert len(rows_of(url)) == rows.num_rows  # an analyst elsewhere reads the same rows
