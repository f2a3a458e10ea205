"""The lake: curated and quarantine Parquet, hive-partitioned (key=value folders, keys not repeated
inside the files), staged under a temp name and promoted only once the warehouse load has committed."""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tasks.faults import crash_point

DATA_FILE = "data.parquet"
ROW_GROUP_ROWS = 128 * 1024


def private_name(prefix: str, suffix: str) -> str:
    """A hidden temp name that says which host and process wrote it, so a crashed writer's
    leftovers can be told from a live writer's (see tasks/recovery.py)."""
    return f".{prefix}-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex}{suffix}"


def partition_dir(lake: Path, zone: str, dataset: str, **keys: str) -> Path:
    """lake/<zone>/<dataset>/k1=v1/k2=v2."""
    path = Path(lake) / zone / dataset
    for key, value in keys.items():
        path = path / f"{key}={value}"
    return path


def stage(table: pa.Table, folder: Path) -> Path:
    """Write the partition's next data file beside the current one; readers still see the current one."""
    folder.mkdir(parents=True, exist_ok=True)
    staged = folder / private_name("staged", ".parquet")
    try:
        with pq.ParquetWriter(staged, table.schema, compression="zstd") as writer:
            for start in range(0, max(table.num_rows, 1), ROW_GROUP_ROWS):
                writer.write_table(table.slice(start, ROW_GROUP_ROWS))
                crash_point("lake.write")
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return staged


def promote(staged: Path, empty: bool = False) -> Path:
    """Make the staged file the partition's data file (atomic rename); an empty partition has no file."""
    final = staged.parent / DATA_FILE
    if empty:
        staged.unlink(missing_ok=True)
        final.unlink(missing_ok=True)
    else:
        os.replace(staged, final)
    return final


def discard(staged: Path | None) -> None:
    """Drop a staged file whose load did not commit; the partition keeps its previous file."""
    if staged is not None:
        staged.unlink(missing_ok=True)


def read_curated(lake: Path, name: str) -> pa.Table:
    """A curated reference table (dim_geography, ref_*) from the lake, or an error that says how to load it."""
    path = partition_dir(lake, "curated", name) / DATA_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run `csp-pipeline ingest reference` first")
    return pq.read_table(path)
