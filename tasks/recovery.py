"""Finish or clear what a killed run left behind, before the next run starts.

A run stages each lake file under a hidden name, commits the warehouse load (whose load-log rows
list the staged files), then renames the files into place. Killed before the commit, the
warehouse rolled back and the staged files are litter; killed after it, the warehouse holds the
new rows and the lake must catch up. So: a staged file named by a committed load is promoted if
it is the partition's latest committed file, and removed otherwise. Only files whose writing
process is gone are touched: a live run (a concurrent ingest) finishes its own.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pyarrow.parquet as pq
import sqlalchemy as sa

from tasks import lake
from tasks.lake_views import serve


def writer_is_gone(path: Path) -> bool:
    """True when the temp file was written by a process of this host that no longer runs."""
    try:
        head, pid, _ = path.name[1:].rsplit(".", 1)[0].rsplit("-", 2)  # .<prefix>-<host>-<pid>-<hex>.<suffix>
    except ValueError:  # not a name this pipeline writes
        return False
    host = head.split("-", 1)[1] if "-" in head else ""
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def committed_files(engine: sa.Engine) -> dict[str, object]:
    """Every lake file a committed load staged, with when its load finished."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "select lake_files, finished_at from etl_load_log where status = 'loaded' and lake_files is not null"
        )).all()
    return {path: finished for files, finished in rows for path in files.splitlines()}


def recover(engine: sa.Engine, lake_root: Path, landing_root: Path) -> list[str]:
    """Promote or remove the lake's staged files and the landing's temp files; say what was done."""
    done: list[str] = []
    staged = sorted(Path(lake_root).rglob(".staged-*.parquet")) if Path(lake_root).exists() else []
    if staged:
        committed = committed_files(engine)
        latest: dict[Path, tuple[object, str]] = {}
        for path, finished in committed.items():
            folder = Path(path).parent
            if folder not in latest or finished > latest[folder][0]:
                latest[folder] = (finished, path)
        for path in staged:
            if not writer_is_gone(path):  # a live run promotes or discards its own files
                continue
            if str(path) in committed and latest[path.parent][1] == str(path):
                empty = pq.ParquetFile(path).metadata.num_rows == 0
                try:
                    lake.promote(path, empty=empty)
                except FileNotFoundError:  # another run promoted it first
                    continue
                done.append(f"promoted {path} (its load committed before the run died)")
            else:
                lake.discard(path)
                done.append(f"removed {path} (a load that {'was replaced' if str(path) in committed else 'never committed'})")
    if any(d.startswith("promoted") for d in done):  # a view that read its empty shape reads the promoted files
        serve(engine, lake_root)
    if Path(landing_root).exists():
        for path in Path(landing_root).rglob(".landing-*"):
            if writer_is_gone(path):
                path.unlink(missing_ok=True)
                done.append(f"removed {path} (a landing copy that never finished)")
    return done
