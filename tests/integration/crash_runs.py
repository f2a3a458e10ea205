"""The kill -9 runs shared by the crash tests: an ingest killed at a crash point (tasks/faults.py)
in a child process, and the check that lake, warehouse and load log agree after recovery."""

from __future__ import annotations

import signal
from pathlib import Path

import pyarrow.parquet as pq
import sqlalchemy as sa

from tasks.recovery import recover
from tests.conftest import SAMPLE_REFERENCE, SAMPLE_ZIP, run_cli
from warehouse.schemas import search_sides

MONTHS = "2019-12:2020-01"
# (crash point, why it matters, what the next run's recovery says it did); ":n" is the point's n-th visit in the run.
FIRST = [
    ("landing.copy", "mid-copy into landing", "a landing copy that never finished"),
    ("lake.write", "inside the first file's curated Parquet write", "never committed"),
]
LATER = [
    ("publish.before_commit", "in the transaction, load log written", "never committed"),
    ("publish.after_commit", "committed, lake files not yet renamed", "promoted"),
    ("publish.after_promote", "committed, one of two lake files renamed", "promoted"),
    ("lake.write:3", "inside the second file's Parquet write, the first file's load in flight", "never committed"),
    ("publish.before_commit:2", "in the second file's transaction, the first committed", "never committed"),
    ("publish.after_commit:2", "second file committed, not renamed", "promoted"),
]
QUARANTINE_WRITE = ("lake.write:2", "inside its quarantine Parquet write", "never committed")
# DuckDB's facts are views over the lake: its publish counts the staged rows, the rename replaces them.
KILLS = FIRST + [QUARANTINE_WRITE, ("publish.after_check", "in the transaction, staged rows counted", "never committed")] + LATER
# PostgreSQL's are tables; the landing copy and the first Parquet write touch no database: once (on DuckDB) is enough.
POSTGRES_KILLS = [
    QUARANTINE_WRITE,
    ("publish.after_delete", "in the transaction, partition deleted", "never committed"),
    ("publish.after_insert", "in the transaction, rows inserted", "never committed"),
] + LATER


def ingest(workdir: Path, url: str, crash: str | None = None):
    """csp-pipeline ingest police-uk on two sample months, optionally killed at a crash point."""
    env = {"CSP_CRASH_AT": crash} if crash else {}
    return run_cli("ingest", "police-uk", "--source", str(SAMPLE_ZIP), "--months", MONTHS,
                   "--workdir", str(workdir), "--warehouse-url", url, cwd=workdir, **env)


def lake_rows(workdir: Path, zone: str) -> dict[str, int]:
    """Rows per month in the lake's visible partition files."""
    month = "month" if zone == "curated" else "file_month"
    files = (workdir / "lake" / zone / "police_uk_street").glob(f"force=lancashire/{month}=*/data.parquet")
    return {f.parent.name.split("=")[1]: pq.ParquetFile(f).metadata.num_rows for f in files}


def warehouse_rows(conn, table: str, month: str) -> dict[str, int]:
    """Rows per month of a warehouse table, with a check that no row is there twice."""
    rows = conn.execute(sa.text(
        f"select {month}, count(*), count(distinct l.source_sha256 || ':' || cast(source_row as text)) "
        f"from {table} join etl_load_log l using (load_id) group by 1")).all()
    assert all(n == distinct for _, n, distinct in rows), f"duplicate rows in {table}: {rows}"
    return {m.strftime("%Y-%m"): n for m, n, _ in rows}


def assert_agree(workdir: Path, url: str) -> list[str]:
    """Run the recovery a next run would, then check lake = warehouse = latest loaded log row."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    sa.event.listen(engine, "connect", search_sides)  # as open_engine's: the load log is in the ops schema
    try:
        done = recover(engine, workdir / "lake", workdir / "landing")
        with engine.connect() as conn:
            curated = warehouse_rows(conn, "fact_street_crime", "month")
            held = warehouse_rows(conn, "quarantine_street_crime", "file_month")
            log = conn.execute(sa.text(
                "select period, rows_curated, rows_quarantined, finished_at from etl_load_log "
                "where feed = 'police_uk_street' and status = 'loaded' order by finished_at")).all()
    finally:
        engine.dispose()
    latest = {period: (cur, quar) for period, cur, quar, _ in log}
    assert lake_rows(workdir, "curated") == curated
    assert lake_rows(workdir, "quarantine") == {m: n for m, n in held.items() if n}
    assert {m: c for m, (c, _) in latest.items() if c} == curated
    assert {m: q for m, (_, q) in latest.items() if q} == held
    litter = [p for p in (workdir / "lake").rglob(".*")] + [p for p in (workdir / "landing").rglob(".*")]
    assert not litter, litter
    return done


def load_reference(workdir: Path, url: str) -> None:
    """The sample reference into a workdir and warehouse, in this process (only the killed ingest needs a child)."""
    from flows.ingest_reference import ingest_reference

    ingest_reference(source=SAMPLE_REFERENCE, workdir=str(workdir), warehouse_url=url)


def crash_then_rerun(workdir: Path, url: str, point: str, where: str, recovery: str) -> None:
    """On a workdir and warehouse holding the reference: an ingest killed at `point`, then the checks (the
    next run's recovery did its part; lake, warehouse and load log agree); then a clean run loads every row."""
    from flows.ingest_police_uk import ingest_police_uk

    done = ingest(workdir, url, crash=point)
    assert done.returncode == -signal.SIGKILL, f"not killed at {point} ({where}): {done.returncode} {done.stderr[-2000:]}"
    recovered = assert_agree(workdir, url)
    assert any(recovery in r for r in recovered), (point, recovered)
    ingest_police_uk(source=str(SAMPLE_ZIP), months=MONTHS, workdir=str(workdir), warehouse_url=url, rebuild_marts=False)
    assert assert_agree(workdir, url) == []  # nothing left to recover after a clean run
    assert lake_rows(workdir, "curated") == expected_rows()


def expected_rows(first: str = "2019-12", last: str = "2020-01") -> dict[str, int]:
    """Rows per month in the raw sample files (the real months need no quarantine)."""
    import io
    import zipfile

    counts = {}
    with zipfile.ZipFile(SAMPLE_ZIP) as archive:
        for name in archive.namelist():
            month = Path(name).name[:7]
            if name.endswith("-street.csv") and first <= month <= last:
                counts[month] = sum(1 for _ in io.TextIOWrapper(archive.open(name), encoding="utf-8")) - 1
    return counts


