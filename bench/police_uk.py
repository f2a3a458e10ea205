"""Benchmark of the police.uk feed: the whole ingest_police_uk flow against the floor.

Floor = a bare pyarrow read of the same street files with the declared schema plus a Parquet
write of each: the least any pipeline must do. Target: pipeline <= 3x floor, peak memory < 1 GB.
Each measurement runs in its own process so peak memory (ru_maxrss) is its own.

    python bench/police_uk.py [--rows 1000000] [--months 6]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(folder: Path, rows: int, months: int) -> list[Path]:
    """Realistic street files, cached by size so repeated runs measure the same bytes."""
    from tasks.police_uk.generate import generate_months

    done = folder / "done.json"
    if done.exists() and json.loads(done.read_text()) == {"rows": rows, "months": months}:
        return sorted(folder.rglob("*-street.csv"))
    ref = REPO / "data" / "sample" / "reference" / "LSOA11_WD19_LAD19_EW_LU_lancashire.csv"
    lsoas = [(r["LSOA11CD"], r["LSOA11NM"]) for r in csv.DictReader(open(ref, encoding="utf-8"))]
    first = dt.date(2019, 4, 1)
    month_list = [dt.date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1) for i in range(months)]
    paths = generate_months(folder, "lancashire", month_list, rows // months, lsoas)
    done.write_text(json.dumps({"rows": rows, "months": months}))
    return paths


def child_floor(data: Path, out: Path) -> dict:
    """pyarrow read with the declared schema + Parquet write, file by file."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from tasks.police_uk.schema import RAW_SCHEMA

    start, rows = time.perf_counter(), 0
    for i, path in enumerate(sorted(data.rglob("*-street.csv"))):
        table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=RAW_SCHEMA, strings_can_be_null=True))
        pq.write_table(table, out / f"{i}.parquet", compression="zstd")
        rows += table.num_rows
    return {"seconds": time.perf_counter() - start, "rows": rows, "peak_mb": peak_mb()}


def child_pipeline(data: Path, out: Path) -> dict:
    """The ingest_police_uk flow under a local Prefect API; reference loaded before the clock starts."""
    os.environ.update(PREFECT_HOME=str(out / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
                      DO_NOT_TRACK="1", PREFECT_LOGGING_LEVEL="WARNING")
    from prefect.testing.utilities import prefect_test_harness

    from flows.ingest_police_uk import ingest_police_uk
    from flows.ingest_reference import ingest_reference

    where = dict(workdir=str(out / "var"), warehouse_url=f"duckdb:///{out / 'var' / 'warehouse.duckdb'}")
    with prefect_test_harness(server_startup_timeout=120):
        ingest_reference(**where)
        import great_expectations  # noqa: F401  (one-off import cost, not per-row work)

        before = peak_mb()
        start = time.perf_counter()
        result = ingest_police_uk(source=str(data), **where)
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": result["totals"]["rows_in"], "curated": result["totals"]["rows_curated"],
            "peak_mb": peak_mb(), "peak_mb_before_run": before}


def run_child(kind: str, data: Path, out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, __file__, "--child", kind, str(data), str(out)],
                          capture_output=True, text=True, check=True, cwd=REPO)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--workdir", type=Path, default=HERE / "out")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, data, out = args.child
        fn = {"floor": child_floor, "pipeline": child_pipeline}[kind]
        print(json.dumps(fn(Path(data), Path(out))))
        return
    data = args.workdir / "data"
    paths = generate(data, args.rows, args.months)
    size_mb = sum(p.stat().st_size for p in paths) / 1e6
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        floor = run_child("floor", data, Path(tmp) / "floor")
        pipe = run_child("pipeline", data, Path(tmp) / "pipeline")
    assert pipe["rows"] == floor["rows"] == pipe["curated"], (pipe, floor)
    ratio = pipe["seconds"] / floor["seconds"]
    print(f"input      {len(paths)} street files, {floor['rows']:,} rows, {size_mb:,.0f} MB CSV")
    print(f"floor      {floor['seconds']:6.2f} s  {floor['rows'] / floor['seconds']:>10,.0f} rows/s  "
          f"peak {floor['peak_mb']:,.0f} MB   (pyarrow read with declared schema + Parquet write)")
    print(f"pipeline   {pipe['seconds']:6.2f} s  {pipe['rows'] / pipe['seconds']:>10,.0f} rows/s  "
          f"peak {pipe['peak_mb']:,.0f} MB   (ingest_police_uk flow: land, read, GX raw, conform, GX curated, "
          f"Parquet, DuckDB load, load log, marts)")
    print(f"ratio      {ratio:.2f}x the floor (target <= 3x); peak memory {pipe['peak_mb']:,.0f} MB (target < 1024 MB), "
          f"of which {pipe['peak_mb_before_run']:,.0f} MB before the first file (Python, Prefect, GX, DuckDB loaded)")


if __name__ == "__main__":
    main()
