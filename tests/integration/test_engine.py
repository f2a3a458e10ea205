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
            url, "select tablename, indexdef from pg_indexes where schemaname = :schema", schema=schema)}
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
