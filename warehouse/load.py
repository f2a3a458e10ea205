"""Bulk loads: DuckDB reads Parquet with INSERT ... SELECT; PostgreSQL takes COPY of Arrow batches."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import sqlalchemy as sa

from warehouse.engine import is_duckdb

COPY_BATCH_ROWS = 100_000


def bulk_insert_parquet(conn: sa.Connection, table: str, path: Path, columns: list[str],
                        constants: dict | None = None) -> None:
    """Append the Parquet file's rows to the table inside the caller's transaction.

    `constants` fill the columns the file does not hold (a lake partition's key columns).
    """
    constants = constants or {}
    cols = ", ".join(f'"{c}"' for c in columns)
    if is_duckdb(conn):
        select = ", ".join(f":{c}" if c in constants else f'"{c}"' for c in columns)
        conn.execute(
            sa.text(f"insert into {table} ({cols}) select {select} from read_parquet(:_path, hive_partitioning = false)"),
            {"_path": str(path), **constants},
        )
        return
    stored = [c for c in columns if c not in constants]
    batches = (_with_constants(b, constants, columns) for b in pq.ParquetFile(path).iter_batches(COPY_BATCH_ROWS, columns=stored))
    _copy_batches(conn, table, batches, columns)


def _with_constants(batch: pa.RecordBatch, constants: dict, columns: list[str]) -> pa.RecordBatch:
    """The batch with each constant as a full column, in the table's column order."""
    arrays = {name: batch.column(name) for name in batch.schema.names}
    arrays.update({name: pa.array([value] * batch.num_rows) for name, value in constants.items()})
    return pa.RecordBatch.from_arrays([arrays[c] for c in columns], names=columns)


def bulk_insert_arrow(conn: sa.Connection, table: str, data: pa.Table, columns: list[str]) -> int:
    """Append an in-memory Arrow table (small reference tables) inside the caller's transaction."""
    data = data.select(columns)
    if is_duckdb(conn):
        raw = conn.connection.driver_connection
        raw.register("_csp_incoming", data)
        cols = ", ".join(f'"{c}"' for c in columns)
        # Not in a finally: after a failed insert the transaction is aborted, and unregistering
        # would raise over the real error; the connection is discarded with its registration.
        raw.execute(f"insert into {table} ({cols}) select {cols} from _csp_incoming")
        raw.unregister("_csp_incoming")
        return data.num_rows
    return _copy_batches(conn, table, data.to_batches(COPY_BATCH_ROWS), columns)


def _copy_batches(conn: sa.Connection, table: str, batches, columns: list[str]) -> int:
    """PostgreSQL COPY FROM STDIN in CSV: Arrow writes nulls as empty fields and empty strings as ""."""
    cols = ", ".join(f'"{c}"' for c in columns)
    raw = conn.connection.driver_connection
    written = 0
    with raw.cursor() as cur, cur.copy(f"copy {table} ({cols}) from stdin (format csv)") as copy:
        for batch in batches:
            buf = io.BytesIO()
            pacsv.write_csv(pa.Table.from_batches([batch]), buf, pacsv.WriteOptions(include_header=False))
            copy.write(buf.getvalue())
            written += batch.num_rows
    return written
