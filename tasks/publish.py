"""Publish to the warehouse: replace partitions and log the load in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import sqlalchemy as sa

from tasks.load_log import FileOutcome, insert_log_rows
from warehouse.load import bulk_insert_arrow, bulk_insert_parquet


class LoadMismatch(Exception):
    """The warehouse partition does not hold the rows that were written to it."""


@dataclass
class PartitionLoad:
    """Rows that replace one partition of a table: the partition's key, and the rows as Parquet or Arrow."""

    table: str
    columns: list[str]
    expected_rows: int
    where: dict[str, object] = field(default_factory=dict)
    parquet: Path | None = None
    arrow: pa.Table | None = None


def _where(where: dict[str, object]) -> str:
    return " and ".join(f"{k} = :{k}" for k in where) or "true"


def publish(engine: sa.Engine, loads: list[PartitionLoad], outcomes: list[FileOutcome]) -> None:
    """Delete each partition, bulk-insert its rows, check the count, log: all or nothing."""
    with engine.begin() as conn:
        for load in loads:
            where = _where(load.where)
            conn.execute(sa.text(f"delete from {load.table} where {where}"), load.where)
            if load.expected_rows:
                if load.parquet is not None:
                    bulk_insert_parquet(conn, load.table, load.parquet, load.columns)
                else:
                    bulk_insert_arrow(conn, load.table, load.arrow, load.columns)
            found = conn.execute(
                sa.text(f"select count(*) from {load.table} where {where}"), load.where
            ).scalar_one()
            if found != load.expected_rows:
                raise LoadMismatch(
                    f"{load.table} {load.where}: {found} rows after load, expected {load.expected_rows}"
                )
        for outcome in outcomes:
            outcome.status = "loaded"
        insert_log_rows(conn, outcomes)
