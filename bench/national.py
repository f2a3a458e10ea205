"""Benchmark at national scale: a generated data.police.uk archive of the 43 forces of England and
Wales (default 18M street rows over 36 months, 1,548 files) through ingest_police_uk --force all.

Prints, from one run, each measurement in its own process:
  floor        a bare pyarrow read of the same files with the declared schema plus a Parquet write
  duckdb copy  DuckDB's own COPY of the same files to Parquet, one statement over them all (read_csv([...]))
  full ingest  validate, curate, publish to DuckDB (rows, wall, rows/s, ratios, peak memory)
  incremental  next month's run over the whole archive (--incremental), as a share of the full run
  marts        every mart rebuilt on the national DuckDB warehouse, whose facts are views over the lake,
               and on a copy of it whose facts are tables; with an analyst's month x crime type x
               authority count on each (the issue's test of views: keep tables only if views are 2x slower)
  postgres     the same full ingest into PostgreSQL (COPY), as a ratio to DuckDB
Targets (issue 16): ingest <= 2.5x the floor and no slower than DuckDB's COPY; peak < 1.5 GB;
incremental < 3% of full; marts < 30 s; PostgreSQL <= 1.3x DuckDB.

    python bench/national.py [--rows 18000000] [--months 36] [--postgres URL | --no-postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from harness import REPO, cpu_seconds, floor, peak_mb, prefect_sandbox  # noqa: E402

ONS = REPO / "data" / "national" / "ons_lookups.zip"  # national ONS lookups (data/national/PROVENANCE.md)
LAST_MONTH = dt.date(2022, 12, 1)


def child(kind: str, record: Path | None = None, **params) -> dict:
    """Run one measurement in a fresh process; its JSON result, also added to `record` (so a late
    failure keeps the figures already measured)."""
    done = subprocess.run([sys.executable, __file__, "--child", json.dumps({"kind": kind, **params})],
                          capture_output=True, text=True, cwd=REPO)
    if done.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{done.stderr[-4000:]}")
    result, name = json.loads(done.stdout.strip().splitlines()[-1]), params.get("name", kind)
    print(f"{name}: {json.dumps(result)}", file=sys.stderr, flush=True)
    if record is not None:
        so_far = json.loads(record.read_text()) if record.exists() else {}
        record.write_text(json.dumps(so_far | {name: result}, indent=1))
    return result


def with_flows(out: Path):
    """A private Prefect API for the child's flows (the server runs in its own process)."""
    prefect_sandbox(out)
    from prefect.testing.utilities import prefect_test_harness

    return prefect_test_harness(server_startup_timeout=120)


def load_reference(out: Path, url: str) -> None:
    """The national ONS geography into the warehouse (needed for every force's area)."""
    from flows.ingest_reference import ingest_reference

    with zipfile.ZipFile(ONS) as archive:
        archive.extractall(out / "ons")
    ingest_reference(source=str(out / "ons" / "ons_lookups"), workdir=str(out / "var"), warehouse_url=url)


def run_child(p: dict) -> dict:
    """The measurement named by p['kind']."""
    from tasks.police_uk.schema import RAW_SCHEMA

    out, data = Path(p["out"]), Path(p["data"])
    out.mkdir(parents=True, exist_ok=True)
    paths = sorted(data.rglob("*-street.csv"))
    if p["kind"] == "generate":
        import pyarrow.parquet as pq

        from synth.police_uk_national import months_back, national_archive

        with with_flows(out):
            load_reference(out, f"duckdb:///{out / 'ref.duckdb'}")
        dim = pq.read_table(out / "var" / "lake" / "curated" / "dim_geography" / "data.parquet")
        national_archive(data, dim, months_back(LAST_MONTH, p["months"] + 1), p["rows"] * (p["months"] + 1) // p["months"])
        return {"files": len(sorted(data.rglob("*-street.csv")))}
    old = [f for f in paths if f.name[:7] != f"{LAST_MONTH:%Y-%m}"]  # the full run: every month but the newest
    if p["kind"] == "floor":
        return floor(old, RAW_SCHEMA, out)
    if p["kind"] == "duckdb_copy":
        import duckdb

        con = duckdb.connect()
        start, cpu = time.perf_counter(), cpu_seconds()
        columns = "{" + ", ".join(f"'{f.name}': '{'DOUBLE' if f.name in ('Longitude', 'Latitude') else 'VARCHAR'}'"
                                  for f in RAW_SCHEMA) + "}"
        files = "[" + ", ".join(f"'{path}'" for path in old) + "]"
        con.execute(f"copy (select * from read_csv({files}, header = true, columns = {columns})) "
                    f"to '{out / 'all.parquet'}' (format parquet, compression zstd)")
        return {"seconds": time.perf_counter() - start, "cpu": cpu_seconds() - cpu, "peak_mb": peak_mb()}
    # ingest: reference, then the full run over every month but the newest, then the incremental run
    from flows.ingest_police_uk import ingest_police_uk

    url = p["url"] or f"duckdb:///{out / 'warehouse.duckdb'}"
    where = dict(workdir=str(out / "var"), warehouse_url=url)
    months = f"{min(f.name[:7] for f in old)}:{max(f.name[:7] for f in old)}"
    with with_flows(out):
        load_reference(out, url)
        import great_expectations  # noqa: F401  (paid before the clock, as in the floor's imports)

        before = peak_mb()
        start, cpu = time.perf_counter(), cpu_seconds()
        full = ingest_police_uk(source=str(data), force="all", months=months, rebuild_marts=False, **where)
        seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
        peak = peak_mb()
        result = {"seconds": seconds, "cpu": cpu, "rows": full["totals"]["rows_in"], "files": full["totals"]["files_loaded"],
                  "peak_mb": peak, "peak_mb_before_run": before}
        if p["incremental"]:
            from prefect.exceptions import PrefectHTTPStatusError

            for attempt in range(5):
                settle_api()
                start = time.perf_counter()
                try:
                    step = ingest_police_uk(source=str(data), force="all", incremental=True, rebuild_marts=False, **where)
                    break
                except PrefectHTTPStatusError:  # the API refused the new run (503): it never started
                    if attempt == 4:
                        raise
            result |= {"incremental_seconds": time.perf_counter() - start,
                       "incremental_files": step["totals"]["files_loaded"], "unchanged": step["totals"]["files_unchanged"]}
            result |= analysts_queries(url, "views")
            if url.startswith("duckdb"):
                result |= analysts_queries(facts_as_tables(url, out / "tables.duckdb"), "tables")
    return result


ANALYST_QUERY = ("select month, crime_type, authority_name, count(*) from fact_street_crime "
                 "group by all order by all")


def analysts_queries(url: str, label: str) -> dict:
    """Every mart rebuilt, then an analyst's month x crime type x authority count: seconds each."""
    import sqlalchemy as sa

    from warehouse.engine import open_engine
    from warehouse.marts import build_marts

    engine = open_engine(url)
    start = time.perf_counter()
    marts = build_marts(engine).built
    built = time.perf_counter() - start
    start = time.perf_counter()
    with engine.connect() as conn:
        cells = len(conn.execute(sa.text(ANALYST_QUERY)).all())
    return {f"marts_seconds_{label}": built, "marts": len(marts), f"query_seconds_{label}": time.perf_counter() - start,
            "query_cells": cells}


def facts_as_tables(url: str, copy: Path) -> str:
    """A copy of the DuckDB warehouse whose lake views are tables holding the same rows."""
    import shutil

    import sqlalchemy as sa

    from warehouse.engine import lake_views, open_engine

    source = Path(url.split("///", 1)[1])
    open_engine(url).dispose()
    shutil.copy(source, copy)
    tables = f"duckdb:///{copy}"
    with open_engine(tables).begin() as conn:
        for view in sorted(lake_views(conn)):
            conn.execute(sa.text(f"create table {view}_t as select * from {view}"))
            conn.execute(sa.text(f"drop view {view}"))
            conn.execute(sa.text(f"alter table {view}_t rename to {view}"))
    return tables


def settle_api(seconds: float = 120) -> None:
    """Wait until the local Prefect API answers again: after a run of thousands of task runs its
    SQLite database is still writing them, and a new flow run got 503 Service Unavailable."""
    from prefect.client.orchestration import get_client

    deadline = time.monotonic() + seconds
    with get_client(sync_client=True) as client:
        while client.api_healthcheck() is not None and time.monotonic() < deadline:
            time.sleep(2)
        time.sleep(5)


def postgres_url(base: str) -> tuple[str, str]:
    """A fresh schema on the server and a URL whose search_path points at it."""
    import uuid

    import sqlalchemy as sa

    schema = f"csp_bench_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text(f"create schema {schema}"))
    engine.dispose()
    return f"{base}?options=-csearch_path%3D{schema}", schema


def drop_schema(base: str, schema: str) -> None:
    import sqlalchemy as sa

    from warehouse.schemas import schemas_of

    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text(f"drop schema if exists {', '.join(schemas_of(schema))} cascade"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=18_000_000, help="street rows in the full run's months")
    parser.add_argument("--months", type=int, default=36, help="months in the full run (one more is generated)")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--workdir", type=Path, default=HERE / "out" / "national")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(json.loads(args.child))))
        return
    data = args.workdir / f"data-{args.rows}-{args.months}"
    if not (data / "done.json").exists():
        made = child("generate", data=str(data), out=str(args.workdir / "generate"), rows=args.rows, months=args.months)
        (data / "done.json").write_text(json.dumps(made))
    paths = [f for f in sorted(data.rglob("*-street.csv")) if f.name[:7] != f"{LAST_MONTH:%Y-%m}"]
    size_gb = sum(f.stat().st_size for f in paths) / 1e9
    record = args.workdir / "last-run.json"
    record.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        common = dict(data=str(data), url=None, incremental=False, record=record)
        base = child("floor", out=f"{tmp}/floor", **common)
        copy = child("duckdb_copy", out=f"{tmp}/copy", **common)
        duck = child("ingest", out=f"{tmp}/duckdb", **(common | {"incremental": True}))
        pg = None
        if not args.no_postgres:
            url, schema = postgres_url(args.postgres)
            try:
                pg = child("ingest", out=f"{tmp}/postgres", name="postgres", **(common | {"url": url}))
            finally:
                drop_schema(args.postgres, schema)
    rows, s = duck["rows"], duck["seconds"]
    lines = [
        f"machine      {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        f"input        {len(paths):,} files, {rows:,} rows, {size_gb:.2f} GB CSV (43 forces x {args.months} months)",
        f"floor        {base['seconds']:8.1f} s  {rows / base['seconds']:>10,.0f} rows/s  cpu {base['cpu']:7.1f} s  "
        f"peak {base['peak_mb']:,.0f} MB  (pyarrow read with declared schema + Parquet write)",
        f"duckdb copy  {copy['seconds']:8.1f} s  {rows / copy['seconds']:>10,.0f} rows/s  cpu {copy['cpu']:7.1f} s  "
        f"(DuckDB read_csv -> COPY TO Parquet)",
        f"ingest       {s:8.1f} s  {rows / s:>10,.0f} rows/s  cpu {duck['cpu']:7.1f} s  peak {duck['peak_mb']:,.0f} MB "
        f"(of which {duck['peak_mb_before_run']:,.0f} MB before the first file)",
        f"ratio        {s / base['seconds']:.2f}x the floor (target <= 2.5x), {s / copy['seconds']:.2f}x DuckDB's COPY "
        f"(target <= 1x); peak {duck['peak_mb']:,.0f} MB (target < 1536 MB)",
        f"incremental  {duck['incremental_seconds']:8.1f} s for the next month ({duck['incremental_files']} new files, "
        f"{duck['unchanged']:,} unchanged): {100 * duck['incremental_seconds'] / s:.1f}% of the full run (target < 3%)",
        f"marts        {duck['marts_seconds_views']:8.1f} s to rebuild all {duck['marts']} marts on DuckDB's views over the lake "
        f"(target < 30 s); {duck['marts_seconds_tables']:.1f} s on tables: views {views_ratio(duck, 'marts'):.2f}x",
        f"query        {duck['query_seconds_views']:8.2f} s for month x crime type x authority ({duck['query_cells']:,} cells) "
        f"on views; {duck['query_seconds_tables']:.2f} s on tables: views {views_ratio(duck, 'query'):.2f}x "
        f"(tables kept only past 2x)",
    ]
    if pg:
        lines.append(f"postgres     {pg['seconds']:8.1f} s  {rows / pg['seconds']:>10,.0f} rows/s: {pg['seconds'] / s:.2f}x DuckDB "
                     f"(COPY; target <= 1.3x; peak {pg['peak_mb']:,.0f} MB)")
    print("\n".join(lines))


def views_ratio(result: dict, what: str) -> float:
    """How many times longer on views than on tables."""
    return result[f"{what}_seconds_views"] / result[f"{what}_seconds_tables"]


if __name__ == "__main__":
    main()
