"""mart_crime_trend against a hand-computed answer on a small fixture and against an independent
pandas computation on the real sample; DuckDB and PostgreSQL give identical facts and marts."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pytest

from tasks.police_uk.schema import CURATED_SCHEMA
from tests.conftest import query
from warehouse.engine import ensure_schema, open_engine
from warehouse.load import bulk_insert_arrow
from warehouse.marts import build_marts, build_order, discover_marts


def fact_rows(specs) -> pa.Table:
    """Curated rows from (month, crime_type, authority, bcu, out_of_area, has_location, count)."""
    rows = []
    for month, crime_type, authority, bcu, out_of_area, located, count in specs:
        for _ in range(count):
            n = len(rows) + 1
            rows.append({
                "month": month, "force": "lancashire", "force_area_code": "E23000003",
                "force_area_name": "Lancashire", "crime_id": f"{n:064x}", "crime_id_occurrence": 1,
                "crime_id_repeats": 1, "crime_type": crime_type, "is_asb": False,
                "has_location": located, "out_of_area": out_of_area,
                "authority_code": {"Blackburn with Darwen": "E06000008", "Preston": "E07000123", "Wigan": "E08000010"}.get(authority),
                "authority_name": authority, "bcu": bcu, "source_row": n, "source_sha256": "f" * 64, "run_id": "r",
            })
    return pa.Table.from_pylist(rows, schema=CURATED_SCHEMA)


FIXTURE = [
    (dt.date(2019, 5, 1), "Burglary", "Blackburn with Darwen", "East", False, True, 2),
    (dt.date(2020, 2, 1), "Burglary", "Blackburn with Darwen", "East", False, True, 1),
    (dt.date(2020, 4, 1), "Burglary", "Blackburn with Darwen", "East", False, True, 1),
    (dt.date(2020, 4, 1), "Robbery", "Preston", "South", False, True, 1),
    (dt.date(2020, 4, 1), "Robbery", "Wigan", None, True, True, 1),
    (dt.date(2020, 6, 1), "Drugs", None, None, False, False, 1),
]


def trend(url: str) -> dict:
    rows = query(url, "select area_level, area_name, financial_year, crime_type, crimes, previous_year_crimes, "
                      "change, change_ratio, months_covered from mart_crime_trend")
    return {r[:4]: r[4:] for r in rows}


def test_mart_crime_trend_matches_a_hand_computed_answer(warehouse_url):
    engine = open_engine(warehouse_url)
    ensure_schema(engine)
    with engine.begin() as conn:
        bulk_insert_arrow(conn, "fact_street_crime", fact_rows(FIXTURE), CURATED_SCHEMA.names)
    assert build_marts(engine) == ["mart_crime_trend"]
    engine.dispose()
    got = trend(warehouse_url)
    # county: every row; FY 2019/20 has May and Feb, FY 2020/21 has Apr and Jun
    assert got[("county", "Lancashire", "2019/20", "Burglary")] == (3, None, None, None, 2)
    assert got[("county", "Lancashire", "2020/21", "Burglary")] == (1, 3, -2, pytest.approx(-2 / 3), 2)
    assert got[("county", "Lancashire", "2020/21", "Robbery")] == (2, 0, 2, None, 2)
    assert got[("county", "Lancashire", "2020/21", "Drugs")] == (1, 0, 1, None, 2)
    # BCU and authority: only rows located inside them (Wigan and the unlocated row are county only)
    assert got[("bcu", "East", "2020/21", "Burglary")] == (1, 3, -2, pytest.approx(-2 / 3), 2)
    assert got[("bcu", "South", "2020/21", "Robbery")] == (1, 0, 1, None, 2)
    assert got[("authority", "Preston", "2019/20", "Robbery")] == (0, None, None, None, 2)
    assert got[("authority", "Preston", "2020/21", "Robbery")] == (1, 0, 1, None, 2)
    assert not any(k[1] == "Wigan" for k in got)
    # a full grid: 1 county + 2 BCUs + 2 authorities, 2 years, 3 crime types
    assert len(got) == 5 * 2 * 3


def test_marts_rebuild_only_what_a_feed_changes_in_dependency_order(tmp_path):
    (tmp_path / "a.sql").write_text("-- feeds: x\nselect 1 as v")
    (tmp_path / "b.sql").write_text("-- depends_on: a\nselect * from a")
    (tmp_path / "c.sql").write_text("-- feeds: y\nselect 2 as v")
    marts = discover_marts(tmp_path)
    assert build_order(marts, ["x"]) == ["a", "b"]
    assert build_order(marts, ["y"]) == ["c"]
    assert build_order(marts) == ["a", "b", "c"]


@pytest.fixture(scope="module")
def both_loaded(tmp_path_factory, prefect_api):
    """The real sample loaded into DuckDB and PostgreSQL."""
    from flows.ingest_police_uk import ingest_police_uk
    from flows.ingest_reference import ingest_reference
    from tests.conftest import SAMPLE_ZIP, make_warehouse

    urls, cleanups = {}, []
    for backend in ("duckdb", "postgres"):
        folder = tmp_path_factory.mktemp(backend)
        url, cleanup = make_warehouse(backend, folder)
        ingest_reference(workdir=str(folder / "var"), warehouse_url=url)
        ingest_police_uk(source=str(SAMPLE_ZIP), workdir=str(folder / "var"), warehouse_url=url)
        urls[backend] = url
        cleanups.append(cleanup)
    yield urls
    for cleanup in cleanups:
        cleanup()


@pytest.mark.postgres
def test_duckdb_and_postgres_give_identical_facts_and_marts(both_loaded):
    facts = "select month, crime_type, authority_name, bcu, out_of_area, count(*) from fact_street_crime group by 1, 2, 3, 4, 5"
    assert sorted(query(both_loaded["duckdb"], facts), key=str) == sorted(query(both_loaded["postgres"], facts), key=str)
    mart = "select * from mart_crime_trend"
    duck, pg = (sorted(query(both_loaded[b], mart), key=str) for b in ("duckdb", "postgres"))
    assert len(duck) == len(pg) > 0
    for a, b in zip(duck, pg):
        assert a[:-1] == b[:-1] and a[-1] == pytest.approx(b[-1])


@pytest.mark.postgres
def test_mart_crime_trend_equals_an_independent_pandas_computation(both_loaded):
    url = both_loaded["duckdb"]
    facts = pd.DataFrame(query(url, "select month, crime_type, authority_name, bcu, out_of_area from fact_street_crime"),
                         columns=["month", "crime_type", "authority_name", "bcu", "out_of_area"])
    facts["fy"] = [f"{m.year - (m.month < 4)}/{(m.year - (m.month < 4) + 1) % 100:02d}" for m in facts["month"]]
    inside = facts[~facts["out_of_area"]]
    expected = {("county", "Lancashire", fy, t): n for (fy, t), n in facts.groupby(["fy", "crime_type"]).size().items()}
    expected |= {("bcu", b, fy, t): n for (b, fy, t), n in inside.groupby(["bcu", "fy", "crime_type"]).size().items()}
    expected |= {("authority", a, fy, t): n for (a, fy, t), n in inside.groupby(["authority_name", "fy", "crime_type"]).size().items()}
    got = {k: v[0] for k, v in trend(url).items() if v[0] > 0}
    assert got == expected
    assert len({k[1] for k in got if k[0] == "authority"}) == 14
