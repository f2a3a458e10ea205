"""What every benchmark here shares: child processes (so each peak memory is its own), the floor
(a bare pyarrow read with the declared schema plus a Parquet write) and the printed comparison."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def peak_mb() -> float:
    """This process's peak resident memory."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time this process has used, user plus system, over all its threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def floor(paths: list[Path], schema, out: Path) -> dict:
    """Read every file with the declared schema and write it as Parquet: the least any pipeline does."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    start, cpu, rows = time.perf_counter(), cpu_seconds(), 0
    for i, path in enumerate(paths):
        table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=schema, strings_can_be_null=True))
        pq.write_table(table, out / f"{i}.parquet", compression="zstd")
        rows += table.num_rows
    return {"seconds": time.perf_counter() - start, "cpu": cpu_seconds() - cpu, "rows": rows, "peak_mb": peak_mb()}


def prefect_sandbox(out: Path) -> None:
    """A private Prefect home, quiet, sending nothing anywhere."""
    os.environ.update(PREFECT_HOME=str(out / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
                      DO_NOT_TRACK="1", PREFECT_LOGGING_LEVEL="WARNING")


def run_child(script: str, kind: str, data: Path, out: Path) -> dict:
    """Run `script --child kind data out` and return the JSON it prints last."""
    out.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, script, "--child", kind, str(data), str(out)],
                          capture_output=True, text=True, check=True, cwd=REPO)
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(paths: list[Path], floor_result: dict, pipe: dict, what: str) -> None:
    """Print the comparison against the floor and the targets (3x, 1 GB)."""
    size_mb = sum(p.stat().st_size for p in paths) / 1e6
    ratio = pipe["seconds"] / floor_result["seconds"]
    print(f"input      {len(paths)} files, {floor_result['rows']:,} rows, {size_mb:,.0f} MB CSV")
    print(f"floor      {floor_result['seconds']:6.2f} s  {floor_result['rows'] / floor_result['seconds']:>10,.0f} rows/s  "
          f"cpu {floor_result['cpu']:6.2f} s  peak {floor_result['peak_mb']:,.0f} MB   (pyarrow read with declared schema + Parquet write)")
    print(f"pipeline   {pipe['seconds']:6.2f} s  {pipe['rows'] / pipe['seconds']:>10,.0f} rows/s  "
          f"cpu {pipe['cpu']:6.2f} s  peak {pipe['peak_mb']:,.0f} MB   ({what})")
    print(f"ratio      {ratio:.2f}x the floor (target <= 3x); peak memory {pipe['peak_mb']:,.0f} MB (target < 1024 MB), "
          f"of which {pipe['peak_mb_before_run']:,.0f} MB before the first file (Python, Prefect, GX, DuckDB loaded)")


def timed_flow(flow_name: str, data: Path, out: Path) -> dict:
    """Run a feed flow (module:function) on `data` under a local Prefect API and time it; the
    reference flow runs first and the one-off GX import is paid before the clock starts."""
    prefect_sandbox(out)
    import importlib

    from prefect.testing.utilities import prefect_test_harness

    from flows.ingest_reference import ingest_reference

    module, func = flow_name.split(":")
    feed_flow = getattr(importlib.import_module(module), func)
    where = dict(workdir=str(out / "var"), warehouse_url=f"duckdb:///{out / 'var' / 'warehouse.duckdb'}")
    with prefect_test_harness(server_startup_timeout=120):
        ingest_reference(source=str(REPO / "data" / "sample" / "reference"), **where)
        import great_expectations  # noqa: F401

        before = peak_mb()
        start, cpu = time.perf_counter(), cpu_seconds()
        result = feed_flow(source=str(data), **where)
        seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    return {"seconds": seconds, "cpu": cpu, "rows": result["totals"]["rows_in"], "curated": result["totals"]["rows_curated"],
            "peak_mb": peak_mb(), "peak_mb_before_run": before}
