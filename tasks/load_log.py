"""The load log: one row per source file per run, the spine that traces marts back to files and runs."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

import sqlalchemy as sa


def utcnow() -> dt.datetime:
    """Naive UTC timestamp, identical in DuckDB and PostgreSQL."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


@dataclass
class FileOutcome:
    """What happened to one source file in one run; becomes an etl_load_log row."""

    run_id: str
    feed: str
    period: str | None
    partition_key: str | None
    source_name: str
    source_sha256: str | None = None
    rows_in: int | None = None
    rows_curated: int | None = None
    rows_quarantined: int | None = None
    status: str = "pending"
    raw_suite_success: bool | None = None
    curated_suite_success: bool | None = None
    warnings: list[str] = field(default_factory=list)
    message: str | None = None
    started_at: dt.datetime = field(default_factory=utcnow)
    finished_at: dt.datetime | None = None
    quarantine_by_rule: dict[str, int] = field(default_factory=dict)
    lake_files: list[str] = field(default_factory=list)
    load_id: int | None = None  # what each row it loaded carries: the one join from a fact row to its file and run
    source_root: str | None = None  # the drop folder, archive or file the run was given: names are shown relative to it

    def as_log_row(self) -> dict:
        """The etl_load_log columns."""
        row = asdict(self)
        row.pop("quarantine_by_rule")
        row["warnings"] = "\n".join(self.warnings) or None
        row["lake_files"] = "\n".join(self.lake_files) or None
        row["finished_at"] = self.finished_at or utcnow()
        return row


LOG_COLUMNS = [
    "run_id", "feed", "period", "partition_key", "source_name", "source_sha256", "rows_in",
    "rows_curated", "rows_quarantined", "status", "raw_suite_success", "curated_suite_success",
    "warnings", "message", "started_at", "finished_at", "lake_files", "load_id", "source_root",
]


def insert_log_rows(conn: sa.Connection, outcomes: list[FileOutcome]) -> None:
    """Write load-log rows inside the caller's transaction (a handful per run, so plain inserts)."""
    if not outcomes:
        return
    names = ", ".join(LOG_COLUMNS)
    params = ", ".join(f":{c}" for c in LOG_COLUMNS)
    conn.execute(
        sa.text(f"insert into etl_load_log ({names}) values ({params})"),
        [o.as_log_row() for o in outcomes],
    )


def record_rejection(engine: sa.Engine, outcome: FileOutcome, status: str = "rejected") -> None:
    """Log a rejected file (or a failed load) on its own; the data it would have replaced stays as it was."""
    outcome.status = status
    outcome.finished_at = utcnow()
    with engine.begin() as conn:
        insert_log_rows(conn, [outcome])


def loaded_hashes(engine: sa.Engine, feed: str) -> dict[tuple[str, str], str]:
    """(period, partition_key) -> sha256 of the file whose load is the partition's latest."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "select period, partition_key, source_sha256 from etl_load_log "
            "where feed = :feed and status = 'loaded' order by finished_at"), {"feed": feed}).all()
    return {(period, key): sha for period, key, sha in rows}
