"""The lake: curated and quarantine Parquet, hive-partitioned, written to a temp name then renamed."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def partition_dir(lake: Path, zone: str, dataset: str, **keys: str) -> Path:
    """lake/<zone>/<dataset>/k1=v1/k2=v2."""
    path = Path(lake) / zone / dataset
    for key, value in keys.items():
        path = path / f"{key}={value}"
    return path


def write_partition(table: pa.Table, folder: Path) -> Path:
    """Replace the partition's single data file atomically: readers see the old file or the new one."""
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / "data.parquet"
    tmp = folder / f".data-{uuid.uuid4().hex}.parquet.tmp"
    try:
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, final)
    finally:
        if tmp.exists():
            tmp.unlink()
    return final
