"""Publish to the warehouse: replace partitions and log the load in one transaction."""

from __future__ import annotations

import logging
import threading
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from tasks import lake
from tasks.faults import crash_point
from tasks.lake_views import refresh
from tasks.load_log import FileOutcome, insert_log_rows
from warehouse.engine import lake_views
from warehouse.load import bulk_insert_arrow, bulk_insert_parquet


class LoadMismatch(Exception):
    """The warehouse partition does not hold the rows that were written to it."""


@dataclass
class PartitionLoad:
    """Rows that replace one partition of a table: the partition's key (also the values of its key
    columns, which the lake files do not repeat), and the rows as staged Parquet or in-memory Arrow."""

    table: str
    columns: list[str]
    expected_rows: int
    where: dict[str, object] = field(default_factory=dict)
    parquet: Path | None = None
    arrow: pa.Table | None = None


def split_partitions(table: pa.Table, keys: list[str]) -> list[tuple[dict, pa.Table]]:
    """The table's rows grouped by the values of its key columns: (key values, rows) per partition."""
    import pyarrow.compute as pc

    if table.num_rows == 0:
        return []
    parts = []
    for values in table.select(keys).group_by(keys).aggregate([]).to_pylist():
        mask = None
        for k, v in values.items():
            match = pc.equal(table[k], pa.scalar(v, table.schema.field(k).type))
            mask = match if mask is None else pc.and_(mask, match)
        parts.append((values, table.filter(mask)))
    return sorted(parts, key=lambda p: [str(v) for v in p[0].values()])


def _where(where: dict[str, object]) -> str:
    return " and ".join(f"{k} = :{k}" for k in where) or "true"


# DuckDB lets two connections of one process insert into the same partition concurrently
# (inserts never conflict under its MVCC); one process is all that can open the file, so a
# process-wide lock serialises its loads.
_DUCKDB_LOADS = threading.Lock()


def lock_table(conn: sa.Connection, key: str) -> None:
    """PostgreSQL: hold the named lock until the transaction ends (DuckDB's loads are serialised already)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("select pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


def _lock(conn: sa.Connection, load: PartitionLoad) -> None:
    """One writer per partition, so two concurrent first loads cannot both insert."""
    lock_table(conn, f"{load.table}:" + ":".join(f"{k}={v}" for k, v in sorted(load.where.items())))


def publish(engine: sa.Engine, loads: list[PartitionLoad], outcomes: list[FileOutcome],
            then: Callable[[sa.Connection, list[FileOutcome]], None] | None = None,
            lake_root: Path | None = None) -> None:
    """Replace each partition, check its count, run `then`, log: all or nothing; then promote the lake files.

    A table is replaced by delete and bulk insert; a view over the lake (DuckDB, tasks/lake_views.py)
    by the rename of its staged file, whose rows are counted in the transaction. `then` works on the
    loaded rows in the same transaction (a merge of staged rows, say). Staged lake files are promoted
    after the commit, before the connection is let go: on DuckDB, which one process holds at a time,
    two runs' renames of a partition then happen in the order of their commits.
    """
    staged = [str(load.parquet) for load in loads if load.parquet is not None and load.parquet.name.startswith(".staged-")]
    for outcome in outcomes:
        outcome.lake_files = staged  # so a crash between commit and promote can be finished (tasks/recovery.py)
    with _DUCKDB_LOADS if engine.dialect.name == "duckdb" else nullcontext(), engine.connect() as conn:
        with conn.begin():
            views = lake_views(conn)
            for load in loads:
                if load.table in views:
                    check_staged(load)
                    crash_point("publish.after_check")
                else:
                    replace_rows(conn, load)
            if then is not None:
                then(conn, outcomes)
            for outcome in outcomes:
                outcome.status = "loaded"
            insert_log_rows(conn, outcomes)
            crash_point("publish.before_commit")
        crash_point("publish.after_commit")
        for load in loads:
            if load.parquet is not None and load.parquet.name.startswith(".staged-"):
                lake.promote(load.parquet, empty=load.expected_rows == 0)
                crash_point("publish.after_promote")
        touched = {load.table for load in loads} & views
        if touched and lake_root is not None:
            try:
                with conn.begin():
                    refresh(conn, touched, lake_root)
            except sa.exc.DBAPIError as exc:  # the load has committed and its files are in place: only a
                # view that read its empty shape waits, until the next run points the views again
                logging.getLogger(__name__).warning("views of %s not pointed at the lake again: %s", sorted(touched), exc)


def check_staged(load: PartitionLoad) -> None:
    """A view's partition: its staged file holds the rows written to it."""
    found = pq.ParquetFile(load.parquet).metadata.num_rows if load.parquet is not None else None
    if found != load.expected_rows:
        raise LoadMismatch(f"{load.table} {load.where}: {found} rows staged, expected {load.expected_rows}")


def replace_rows(conn: sa.Connection, load: PartitionLoad) -> None:
    """A table's partition: delete it, bulk-insert its rows, check the count."""
    _lock(conn, load)
    where = _where(load.where)
    conn.execute(sa.text(f"delete from {load.table} where {where}"), load.where)
    crash_point("publish.after_delete")
    if load.expected_rows:
        if load.parquet is not None:
            bulk_insert_parquet(conn, load.table, load.parquet, load.columns, load.where)
        else:
            bulk_insert_arrow(conn, load.table, load.arrow, load.columns)
    found = conn.execute(
        sa.text(f"select count(*) from {load.table} where {where}"), load.where
    ).scalar_one()
    if found != load.expected_rows:
        raise LoadMismatch(
            f"{load.table} {load.where}: {found} rows after load, expected {load.expected_rows}"
        )
    crash_point("publish.after_insert")
