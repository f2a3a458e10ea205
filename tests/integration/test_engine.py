"""The process keeps one engine per warehouse and frees what a batch leaves behind: a national run
publishes 1,548 files in one process."""

from __future__ import annotations

import gc
import weakref

import pytest
import sqlalchemy as sa

from tasks.runs import release_memory
from tests.conftest import PG_BASE, drop_postgres_schema, postgres_schema_url, query
from warehouse.engine import open_engine


@pytest.mark.postgres
def test_many_publishes_hold_few_postgres_connections():
    """Each open_engine call once made a pool, left open until garbage collection: 1,548 of them ran
    the server out of connections ("too many clients already")."""
    url, schema = postgres_schema_url()
    url += "&application_name=csp_engine_test"
    gc.disable()  # as in a long run, where what outlives a batch is not walked again
    try:
        for _ in range(40):
            with open_engine(url).begin() as conn:
                conn.execute(sa.text("select 1"))
        assert open_engine(url) is open_engine(url)
        [(held,)] = query(PG_BASE, "select count(*) from pg_stat_activity where application_name = 'csp_engine_test'")
        assert held <= 2
    finally:
        gc.enable()
        open_engine(url).dispose()
        drop_postgres_schema(schema)


def test_engines_of_other_warehouses_are_let_go(tmp_path):
    """Only a few engines are kept: a process that touches many warehouses (a test session) holds
    no pool for the ones it has finished with."""
    first = open_engine(f"duckdb:///{tmp_path / 'first.duckdb'}")
    for i in range(8):
        last = open_engine(f"duckdb:///{tmp_path / f'{i}.duckdb'}")
    assert open_engine(f"duckdb:///{tmp_path / '7.duckdb'}") is last
    assert open_engine(f"duckdb:///{tmp_path / 'first.duckdb'}") is not first


def test_what_a_batch_leaves_in_a_reference_cycle_is_collected():
    """Memory is released between batches; a batch's objects that die later in a cycle (an engine
    and its pool) are still collected, not frozen for the life of the process."""

    class Node:
        pass

    release_memory()  # the process's first call freezes what lives for the run
    node = Node()
    node.self = node
    alive = weakref.ref(node)
    release_memory()  # a later batch: node is alive here
    del node
    release_memory()
    assert alive() is None


@pytest.mark.postgres
def test_postgres_finds_each_partition_by_index():
    """Every load deletes and counts its partition: without an index each of a national run's 1,548
    loads scanned the whole table, and the load slowed as the table grew."""
    from warehouse.engine import ensure_schema

    url, schema = postgres_schema_url()
    try:
        ensure_schema(open_engine(url))
        indexed = {(table, definition.split("(", 1)[1].rstrip(")")) for table, definition in query(
            url, "select tablename, indexdef from pg_indexes where schemaname like :schema", schema=f"{schema}%")}
        assert ("fact_street_crime", "force, month") in indexed
        assert ("quarantine_street_crime", "force, file_month") in indexed
        assert ("fact_recorded_crime", "force, month") in indexed
        assert ("fact_reoffending_cohort", "cohort_start") in indexed
        with open_engine(url).connect() as conn:
            conn.execute(sa.text("set enable_seqscan = off"))  # an empty table: ask whether the index can serve
            plan = "\n".join(r[0] for r in conn.execute(sa.text(
                "explain delete from fact_street_crime where force = 'lancashire' and month = date '2020-01-01'")))
        assert "ix_fact_street_crime_partition" in plan
    finally:
        open_engine(url).dispose()
        drop_postgres_schema(schema)


LEGACY_DDL = [  # as warehouses were made before load_id: each row carried its file's hash and run id
    "create table etl_load_log (run_id text not null, feed text not null, period text, partition_key text, source_name text, "
    "source_sha256 text, rows_in bigint, rows_curated bigint, rows_quarantined bigint, status text not null, "
    "raw_suite_success boolean, curated_suite_success boolean, warnings text, message text, started_at timestamp, "
    "finished_at timestamp, lake_files text)",
    "create table fact_itk_response (export_date date not null, response_id text not null, source_sha256 text not null, "
    "run_id text not null)",
    "create index ix_fact_itk_response_id on fact_itk_response (response_id)",
    "create table etl_stage_itk_response (response_id text not null, source_sha256 text not null, run_id text not null, "
    "applied boolean not null default false)",
]


def test_a_warehouse_from_before_load_ids_is_migrated_in_place(warehouse_url):
    """Each row gets the load id of the load-log row naming its file and run; the hash and run id go."""
    from warehouse.engine import ensure_schema

    engine = open_engine(warehouse_url)
    with engine.begin() as conn:
        for statement in LEGACY_DDL:
            conn.execute(sa.text(statement))
        conn.execute(sa.text(
            "insert into etl_load_log (run_id, feed, source_name, source_sha256, status) values "
            "('run-1', 'itk', 'a.csv', 'aaa', 'loaded'), ('run-1', 'itk', 'b.csv', 'bbb', 'rejected'), "
            "('run-2', 'itk', 'a.csv', 'aaa', 'loaded')"))
        conn.execute(sa.text("insert into fact_itk_response values ('2020-01-31', 'r1', 'aaa', 'run-1'), "
                             "('2020-01-31', 'r2', 'aaa', 'run-2')"))
    ensure_schema(engine)
    traced = query(warehouse_url, "select f.response_id, l.run_id, l.source_name from fact_itk_response f "
                                  "join etl_load_log l using (load_id) order by 1")
    assert traced == [("r1", "run-1", "a.csv"), ("r2", "run-2", "a.csv")]
    columns = {c for (c,) in query(warehouse_url, "select column_name from information_schema.columns "
                                                  "where table_name = 'fact_itk_response' and table_schema = current_schema()")}
    assert "load_id" in columns and not columns & {"source_sha256", "run_id"}
    ids = [i for (i,) in query(warehouse_url, "select load_id from etl_load_log")]
    assert len(set(ids)) == 3 and None not in ids
    assert query(warehouse_url, "select count(*) from etl_stage_itk_response") == [(0,)]  # made again, empty
    ensure_schema(engine)  # once migrated, nothing more to do


def test_a_warehouse_from_before_the_side_schemas_has_them_moved_there_rows_and_all(warehouse_url):
    """The DDL as it was (every table in the URL's schema) and a run numbered; then ensure_schema moves
    the quarantine, the load log, the stage tables and the run sequence out, keeping rows, constraints
    and the sequence's place, and analysts' tables stay."""
    import re

    from warehouse.engine import DDL_DIR, ensure_schema, split_statements
    from warehouse.schemas import side_schemas

    engine = open_engine(warehouse_url)
    with engine.begin() as conn:
        for path in sorted(DDL_DIR.glob("*.sql")):
            for statement in split_statements(path.read_text(encoding="utf-8")):
                conn.execute(sa.text(re.sub(r"\b(staging|ops|quarantine)\.(?=\w)", "", statement)))
        conn.execute(sa.text("insert into etl_load_log (run_id, feed, status, load_id) values ('run-1', 'police_uk', 'loaded', 7)"))
        if conn.dialect.name == "duckdb":  # there quarantine tables were views over the lake: one moves as a view, its text intact
            conn.execute(sa.text("drop table quarantine_reference"))
            conn.exec_driver_sql("create view quarantine_reference as select 'population' as feed, 3 as source_row, "
                                 "'held back: see :note' as record, 'bad' as rule, 7 as load_id")
        else:
            conn.execute(sa.text("insert into quarantine_reference (feed, source_row, record, rule, load_id) "
                                 "values ('population', 3, '{}', 'bad', 7)"))
        numbered = [conn.execute(sa.text("select nextval('etl_run_seq')")).scalar_one() for _ in range(3)]
        base = conn.execute(sa.text("select current_schema()")).scalar_one()
    assert query(warehouse_url, "select count(*) from information_schema.tables where table_name like 'quarantine%' "
                                "and table_schema = current_schema()") == [(8,)]
    said = ensure_schema(engine)
    sides = side_schemas(base)
    assert f"etl_load_log: moved to schema {sides['ops']}" in said and f"etl_run_seq: moved to schema {sides['ops']}" in said
    where = dict(query(warehouse_url, "select table_name, table_schema from information_schema.tables "
                                      "where table_name in ('etl_load_log', 'quarantine_reference', 'etl_stage_itk_response', "
                                      "'fact_street_crime')"))
    assert where == {"etl_load_log": sides["ops"], "quarantine_reference": sides["quarantine"],
                     "etl_stage_itk_response": sides["staging"], "fact_street_crime": base}
    assert query(warehouse_url, "select run_id, load_id from etl_load_log") == [("run-1", 7)]
    assert query(warehouse_url, "select feed, rule from quarantine_reference") == [("population", "bad")]
    assert query(warehouse_url, "select nextval('etl_run_seq')") == [(numbered[-1] + 1,)]
    with pytest.raises(sa.exc.DBAPIError, match="(?i)null"), engine.begin() as conn:  # its NOT NULL came along
        conn.execute(sa.text("insert into etl_load_log (run_id, feed, status) values (null, 'x', 'loaded')"))
    assert ensure_schema(engine) == []  # once moved, nothing more to do
    assert query(warehouse_url, "select count(*) from etl_load_log") == [(1,)]
