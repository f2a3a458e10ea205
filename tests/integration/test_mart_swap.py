"""Marts are built aside and swapped in: readers are not blocked, analysts' views survive (or the
conflict is named), the grain is the declared key and the dictionary is in the database's comments."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pyarrow as pa
import pytest
import sqlalchemy as sa

from tests.conftest import make_warehouse, query
from tests.integration.test_marts import CURATED_SCHEMA, FIXTURE, fact_rows
from warehouse.dictionary import describe_warehouse
from warehouse.engine import ensure_schema, open_engine
from warehouse.load import bulk_insert_arrow
from warehouse.marts import build_marts, discover_marts
from warehouse.swap import primary_key

BURGLARY = "select crimes from {} where area_level = 'county' and financial_year = '2020/21' and crime_type = 'Burglary'"
ONE_MORE = [(dt.date(2020, 5, 1), "Burglary", "Preston", "South", False, True, 1)]


def loaded(url: str, specs=FIXTURE) -> sa.Engine:
    """A warehouse holding the fixture's street crimes, its marts built."""
    engine = open_engine(url)
    ensure_schema(engine)
    add_crimes(engine, specs)
    build_marts(engine)
    return engine


def add_crimes(engine: sa.Engine, specs) -> None:
    """Load more street crimes, numbered after those already held."""
    with engine.begin() as conn:
        held = conn.execute(sa.text("select count(*) from fact_street_crime")).scalar_one()
        rows = fact_rows(specs).to_pylist()
        for n, row in enumerate(rows, start=held + 1):
            row.update(crime_id=f"{n:064x}", source_row=n)
        bulk_insert_arrow(conn, "fact_street_crime", pa.Table.from_pylist(rows, schema=CURATED_SCHEMA), CURATED_SCHEMA.names)


def test_an_analysts_view_on_a_mart_survives_a_rebuild_and_reads_the_new_rows(warehouse_url):
    engine = loaded(warehouse_url)
    with engine.begin() as conn:
        conn.execute(sa.text("create view analyst_burglary as " + BURGLARY.format("mart_crime_trend")))
    assert query(warehouse_url, "select * from analyst_burglary") == [(1,)]
    add_crimes(engine, ONE_MORE)
    build = build_marts(engine)
    assert build.conflicts == [] and "mart_crime_trend" in build.built
    assert query(warehouse_url, "select * from analyst_burglary") == [(2,)]
    tables = [r[0] for r in query(warehouse_url, "select table_name from information_schema.tables where table_name like '%next'")]
    assert tables == []  # nothing left aside


def test_a_view_on_a_column_a_mart_loses_is_named_and_the_build_goes_on(warehouse_url):
    engine = loaded(warehouse_url)
    with engine.begin() as conn:  # as if an earlier release had a column the new build no longer makes
        conn.execute(sa.text("alter table mart_crime_trend add column legacy_note text"))
        conn.execute(sa.text("create view analyst_notes as select area_name, legacy_note from mart_crime_trend"))
    add_crimes(engine, ONE_MORE)
    build = build_marts(engine)  # does not raise
    assert len(build.conflicts) == 1 and "analyst_notes" in build.conflicts[0]
    assert "mart_area_rates" in build.built
    if engine.dialect.name == "postgresql":  # the view holds the mart as it was, old rows and all
        assert "mart_crime_trend kept as it was" in build.conflicts[0] and "mart_crime_trend" not in build.built
        assert query(warehouse_url, BURGLARY.format("mart_crime_trend")) == [(1,)]
        assert query(warehouse_url, "select count(*) from analyst_notes") != [(0,)]
    else:  # DuckDB binds views by name: the mart is new, and the view that no longer binds is named
        assert build.conflicts[0].startswith("view analyst_notes no longer reads its mart")
        assert query(warehouse_url, BURGLARY.format("mart_crime_trend")) == [(2,)]


def test_a_build_killed_before_its_swap_leaves_nothing_the_next_build_trips_on(warehouse_url):
    engine = loaded(warehouse_url)
    with engine.begin() as conn:
        conn.execute(sa.text("create table mart_crime_trend__next as select 1 as half_built"))
    assert "mart_crime_trend" in build_marts(engine).built
    assert query(warehouse_url, BURGLARY.format("mart_crime_trend")) == [(1,)]


def test_each_mart_declares_its_grain_as_its_key_and_carries_the_dictionary(warehouse_url):
    engine = loaded(warehouse_url)
    marts = discover_marts()
    with engine.connect() as conn:
        keys = {name: primary_key(conn, name) for name in marts}
        nulls = {name: conn.execute(sa.text(f"select count(*) from {name} where "
                                            + " or ".join(f"{c} is null" for c in mart.grain))).scalar_one()
                 for name, mart in marts.items()}
    for name, mart in marts.items():  # the key is the grain, unless a grain column holds nulls
        assert keys[name] == (mart.grain if not nulls[name] else ()), name
    assert keys["mart_crime_trend"] == marts["mart_crime_trend"].grain
    dictionary = {t.name: t for t in describe_warehouse(engine)}
    for name in set(marts) - {"mart_threat_ranking"}:  # one set of area columns (the ranking is the partnership's)
        columns = [c for c, _, _ in dictionary[name].columns]
        assert {"area_level", "area_code", "area_name"} <= set(columns), name
    if engine.dialect.name == "postgresql":
        sql = ("select obj_description('mart_crime_trend'::regclass, 'pg_class'), "
               "col_description('mart_crime_trend'::regclass, 1), col_description('fact_street_crime'::regclass, 1)")
    else:
        sql = ("select (select comment from duckdb_tables() where table_name = 'mart_crime_trend'), "
               "(select comment from duckdb_columns() where table_name = 'mart_crime_trend' and column_index = 1), "
               "(select comment from duckdb_columns() where table_name = 'fact_street_crime' and column_index = 1)")
    table, first_column, fact_column = query(engine.url.render_as_string(hide_password=False), sql)[0]
    assert table == dictionary["mart_crime_trend"].description
    assert first_column == dictionary["mart_crime_trend"].columns[0][2]
    assert fact_column == dictionary["fact_street_crime"].columns[0][2] and fact_column


@pytest.fixture
def postgres_url(tmp_path):
    """An empty PostgreSQL warehouse."""
    url, cleanup = make_warehouse("postgres", tmp_path)
    yield url
    cleanup()


@pytest.mark.postgres
def test_a_long_reader_is_not_blocked_by_a_rebuild_nor_blocks_it(postgres_url):
    engine = loaded(postgres_url)
    add_crimes(engine, ONE_MORE)
    # a long read: its snapshot and its share lock on the mart are held till it ends
    reader = sa.create_engine(postgres_url).connect().execution_options(isolation_level="REPEATABLE READ")
    reader.begin()
    assert reader.execute(sa.text(BURGLARY.format("mart_crime_trend"))).all() == [(1,)]
    waits: list[str] = []
    done = threading.Event()

    def others_read():  # other analysts keep querying during the build: none may wait on a lock
        probe = sa.create_engine(postgres_url)
        while not done.is_set():
            with probe.connect() as conn:
                conn.execute(sa.text("set lock_timeout = '1s'"))
                try:
                    conn.execute(sa.text(BURGLARY.format("mart_crime_trend"))).all()
                except sa.exc.OperationalError as exc:
                    waits.append(str(exc))
            time.sleep(0.05)
        probe.dispose()

    watcher = threading.Thread(target=others_read)
    watcher.start()
    builder = threading.Thread(target=lambda: waits.extend(build_marts(engine).conflicts))
    builder.start()
    builder.join(120)
    done.set()
    watcher.join()
    assert not builder.is_alive(), "the rebuild waited on the long reader"
    assert waits == []
    assert reader.execute(sa.text(BURGLARY.format("mart_crime_trend"))).all() == [(1,)]  # its snapshot
    reader.rollback()
    assert reader.execute(sa.text(BURGLARY.format("mart_crime_trend"))).all() == [(2,)]  # the next query: new
    reader.close()
