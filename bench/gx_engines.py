"""Where Great Expectations should run: the pandas engine on an in-memory batch against GX's SQL
engine over the same rows in DuckDB (what the pipeline does since, CSP_GX_ENGINE=sql), on the
police.uk raw suite's row rules.

Issue 16 left this open with a measurement quoted from elsewhere (1M rows in 0.45 s wall on the SQL
engine). This script measures both here, each in its own process, on the benchmark's 1M generated
street rows (bench/out/police_uk/data, made by bench/police_uk.py):

  pandas  tasks.police_uk.checks.check_raw, month by month as the pipeline runs it (all its rules:
          in-set, between, not-null, regex, row conditions), failing rows' positions included
  same    seven rules GX can run in SQL over DuckDB (in-set, between, not-null, length, and regex,
          which needs tasks/gx_shims.apply_sql) on GX's pandas engine, one call over the whole frame
  sql     the same seven rules on GX's SQL engine over a DuckDB table of the same rows
Each must find exactly the 8 faults planted in the rows.

    python bench/gx_engines.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
DATA = HERE / "out" / "police_uk" / "data"


def cpu_seconds() -> float:
    """User plus system CPU seconds of this process."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


PLANTED = 8  # faults planted so that both engines must find rows, not just pass them


def street_rows():
    """The benchmark's street files read as the pipeline reads them, as one Arrow table, with five
    unknown crime types and three latitudes outside the UK planted (8 failing rows)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from tasks.police_uk.read import read_street

    files = sorted(DATA.rglob("*-street.csv"))
    if not files:
        raise SystemExit(f"no street files in {DATA}: run python bench/police_uk.py first")
    table = pa.concat_tables([read_street(f, f.name)[0] for f in files])
    index = np.arange(table.num_rows)
    bad_type = pa.array(np.isin(index, [100, 200_000, 400_000, 600_000, 800_000]))
    bad_latitude = pa.array(np.isin(index, [300, 300_000, 900_000]))
    crime_type = pc.if_else(bad_type, "Cybercrime", table["Crime type"])
    latitude = pc.if_else(bad_latitude, 75.2, table["Latitude"])
    table = table.set_column(table.schema.get_field_index("Crime type"), "Crime type", crime_type)
    return table.set_column(table.schema.get_field_index("Latitude"), "Latitude", latitude)


def measure_pandas() -> dict:
    """The pipeline's raw suite on the pandas engine, month by month as it runs."""
    import datetime as dt

    import pyarrow.compute as pc

    from tasks.police_uk.checks import check_raw

    table = street_rows()
    check_raw(table.slice(0, 1000), dt.date(2019, 4, 1), "warm-up")  # GX's import and first context
    start, cpu, failing = time.perf_counter(), cpu_seconds(), 0
    for month in sorted(set(table["Month"].to_pylist())):
        rows = table.filter(pc.equal(table["Month"], month))
        _, bad, _ = check_raw(rows, dt.date(int(month[:4]), int(month[5:]), 1), month)
        failing += bad.num_rows
    return {"engine": "pandas", "rows": table.num_rows, "seconds": time.perf_counter() - start,
            "cpu": cpu_seconds() - cpu, "failing_rows": failing}


def same_rules():
    """Seven of the raw suite's rules, of the kinds GX can run in SQL on DuckDB (regex with the shim):
    in-set, between, not-null, length, regex."""
    import great_expectations as gx

    suite = gx.ExpectationSuite("street")
    types = ["Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson", "Drugs",
             "Other crime", "Other theft", "Possession of weapons", "Public order", "Robbery", "Shoplifting",
             "Theft from the person", "Vehicle crime", "Violence and sexual offences"]
    for expectation in [
        gx.expectations.ExpectColumnValuesToBeInSet(column="crime_type", value_set=types),
        gx.expectations.ExpectColumnValuesToBeBetween(column="latitude", min_value=49.8, max_value=60.9),
        gx.expectations.ExpectColumnValuesToBeBetween(column="longitude", min_value=-8.7, max_value=1.8),
        gx.expectations.ExpectColumnValuesToNotBeNull(column="month"),
        gx.expectations.ExpectColumnValuesToNotBeNull(column="crime_type"),
        gx.expectations.ExpectColumnValueLengthsToEqual(column="lsoa_code", value=9),
        gx.expectations.ExpectColumnValuesToMatchRegex(column="lsoa_code", regex="^[EW]01[0-9]{6}$"),
    ]:
        suite.add_expectation(expectation)
    return suite


def measure_pandas_same_rules() -> dict:
    """The same seven rules on GX's pandas engine, one call over the whole frame (like for like with sql)."""
    import great_expectations as gx

    from tasks import gx_shims
    from tasks.police_uk.schema import SNAKE

    gx_shims.apply()
    table = street_rows()
    frame = table.rename_columns([SNAKE.get(c, c) for c in table.column_names]).to_pandas()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    asset = context.data_sources.add_pandas("frames").add_dataframe_asset("street")
    batch = asset.add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": frame})
    suite = same_rules()
    result_format = {"result_format": "COMPLETE", "unexpected_index_column_names": ["source_row"]}
    batch.validate(suite, result_format=result_format)
    start, cpu = time.perf_counter(), cpu_seconds()
    result = batch.validate(suite, result_format=result_format)
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    failing = {i["source_row"] for r in result.results for i in (r.result.get("unexpected_index_list") or [])}
    return {"engine": "pandas (same 7 rules)", "rows": table.num_rows, "seconds": seconds, "cpu": cpu,
            "failing_rows": len(failing)}


def measure_sql() -> dict:
    """The SQL-expressible rules on GX's SQL engine over DuckDB, with the shim GX issue 11579 needs."""
    import great_expectations as gx
    import sqlalchemy as sa

    from tasks import gx_shims
    from tasks.police_uk.schema import SNAKE

    gx_shims.apply_sql()  # GX issue 11579 (DuckDB returns no rows to GX's metrics) and regex on DuckDB
    table = street_rows()
    table = table.rename_columns([SNAKE.get(c, c) for c in table.column_names])
    with tempfile.TemporaryDirectory() as tmp:
        url = f"duckdb:///{tmp}/gx.duckdb"
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            raw = conn.connection.driver_connection
            raw.register("incoming", table)
            raw.execute("create table street as select * from incoming")
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = {"globally": False}
        asset = context.data_sources.add_sql("duck", connection_string=url).add_table_asset("street", table_name="street")
        batch = asset.add_batch_definition_whole_table("all").get_batch()
        suite = same_rules()
        result_format = {"result_format": "COMPLETE", "unexpected_index_column_names": ["source_row"]}
        batch.validate(suite, result_format=result_format)  # warm-up: GX's first SQL context
        start, cpu = time.perf_counter(), cpu_seconds()
        result = batch.validate(suite, result_format=result_format)
        seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
        failing = {i["source_row"] for r in result.results for i in (r.result.get("unexpected_index_list") or [])}
        engine.dispose()
    return {"engine": "sql", "rows": table.num_rows, "seconds": seconds, "cpu": cpu, "failing_rows": len(failing),
            "expectations": len(result.results), "success": result.success}


def main() -> None:
    if len(sys.argv) > 1:
        print(json.dumps({"pandas": measure_pandas, "same": measure_pandas_same_rules, "sql": measure_sql}[sys.argv[1]]()))
        return
    for engine in ("pandas", "same", "sql"):
        done = subprocess.run([sys.executable, __file__, engine], capture_output=True, text=True, check=True)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        assert r["failing_rows"] == PLANTED, r  # each engine found exactly the planted faults
        print(f"{r['engine']:22s} {r['rows']:>10,} rows  {r['seconds']:6.2f} s  cpu {r['cpu']:6.2f} s  "
              f"{r['cpu'] / r['rows'] * 1e6:5.2f} CPU-s per 1M rows  failing rows {r['failing_rows']:,}"
              + (f"  ({r['expectations']} expectations; row conditions excluded)" if r["engine"] == "sql" else ""))


if __name__ == "__main__":
    main()
