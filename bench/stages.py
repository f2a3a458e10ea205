"""Where the police.uk ingest's CPU goes, stage by stage: each stage of the feed contract run on the
benchmark's 1M street rows (bench/out/police_uk/data, made by bench/police_uk.py), one file after
another in one process, outside Prefect, in CPU seconds per million rows.

Beside the stages the pipeline runs, it times what the DuckDB views over the lake replaced (an
INSERT of the staged Parquet into a table and its CHECKPOINT) and the pandas GX engine the SQL
engine replaced, so the savings are measured here rather than quoted.

    python bench/stages.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from harness import REPO, cpu_seconds, prefect_sandbox  # noqa: E402

DATA = HERE / "out" / "police_uk" / "data"


class Clock:
    """CPU seconds and wall seconds per named stage."""

    def __init__(self):
        self.cpu, self.wall = defaultdict(float), defaultdict(float)

    def time(self, name: str, work, *args):
        """Run work(*args), charging its time to the stage."""
        cpu, wall = cpu_seconds(), time.perf_counter()
        result = work(*args)
        self.cpu[name] += cpu_seconds() - cpu
        self.wall[name] += time.perf_counter() - wall
        return result


def main() -> None:
    if not list(DATA.rglob("*-street.csv")):
        raise SystemExit(f"no street files in {DATA}: run python bench/police_uk.py first")
    with tempfile.TemporaryDirectory(dir=HERE / "out") as tmp:
        out = Path(tmp)
        prefect_sandbox(out)
        from prefect.testing.utilities import prefect_test_harness

        from flows.ingest_reference import ingest_reference

        with prefect_test_harness(server_startup_timeout=120):
            ingest_reference(source=str(REPO / "data" / "sample" / "reference"), workdir=str(out / "var"),
                             warehouse_url=f"duckdb:///{out / 'ref.duckdb'}")
        measure(out)


def measure(out: Path) -> None:
    """Every stage over every file, then the replaced stages, printed per million rows."""
    import duckdb

    from flows.runner import with_faults
    from tasks import lake, landing, validate
    from tasks.feed import Context
    from tasks.police_uk.feed import STREET
    from tasks.settings import get_settings

    settings = get_settings(workdir=str(out / "var"), warehouse_url=f"duckdb:///{out / 'ref.duckdb'}")
    units = STREET.find(str(DATA), {"force": None, "months": None}, settings)
    extras = STREET.context(settings, units, {})
    clock, rows, staged = Clock(), 0, []
    validate._sql_batch_definition()  # GX imported and its contexts made before the clock, as in a run
    validate._batch_definition()
    for unit in units:
        landed = clock.time("landing copy and SHA-256", landing.land, unit.file, STREET.name, unit.period, settings.landing, "bench")
        (part,) = clock.time("read (pyarrow CSV)", STREET.read, landed.path, unit.file.name, unit)
        ctx = Context(unit, part, landed.sha256, 0, unit.file.name, extras)
        good, bad, _ = clock.time("GX raw suite (SQL engine)", STREET.check_raw, part.rows, ctx)
        tables = clock.time("conform", STREET.conform, good, ctx)
        clock.time("GX curated suite (SQL engine)", STREET.check_curated, tables, ctx)
        held = clock.time("quarantine rows", lambda: STREET.quarantine(with_faults(bad, part.faults, True), ctx))
        fact = tables["fact_street_crime"].drop_columns(["force", "month"])
        folder = out / "lake" / unit.period
        staged.append(clock.time("Parquet write (curated)", lake.stage, fact, folder))
        clock.time("Parquet write (quarantine)", lake.stage, held, folder / "q")
        validate.ENGINE = "pandas"  # what the SQL engine replaced
        clock.time("replaced: GX raw suite (pandas engine)", STREET.check_raw, part.rows, ctx)
        clock.time("replaced: GX curated suite (pandas engine)", STREET.check_curated, tables, ctx)
        validate.ENGINE = "sql"
        rows += part.rows.num_rows
    con = duckdb.connect(str(out / "tables.duckdb"), config={"memory_limit": "256MB"})
    con.execute(f"create table fact as select * from read_parquet('{staged[0]}') limit 0")
    for path in staged:  # what the views replaced: the insert of each file into a table, then its checkpoint
        clock.time("replaced: DuckDB insert", con.execute, f"insert into fact select * from read_parquet('{path}')")
        clock.time("replaced: DuckDB checkpoint", con.execute, "checkpoint")
    con.close()
    print(f"{rows:,} rows in {len(units)} files; CPU seconds (and wall) per 1M rows, one process, outside Prefect")
    pipeline = 0.0
    for name in clock.cpu:
        per = clock.cpu[name] * 1e6 / rows
        if not name.startswith("replaced"):
            pipeline += per
        print(f"  {name:45s} {per:6.2f} CPU-s  ({clock.wall[name] * 1e6 / rows:5.2f} s wall)")
    print(f"  {'stages the pipeline runs, together':45s} {pipeline:6.2f} CPU-s")


if __name__ == "__main__":
    main()
