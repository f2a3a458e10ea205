"""Open the warehouse named by a SQLAlchemy URL and create its tables.

The few DuckDB/PostgreSQL differences live here and in load.py, nowhere else.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import OrderedDict
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from warehouse.schemas import across, base_schema, make_schemas, placed, search_sides

DDL_DIR = Path(__file__).parent / "ddl"
# Keys declared after the DDL, so a warehouse made before them gets them too (marts: their grain).
DIMENSION_KEYS = {"dim_geography": ("lsoa_code",)}
# DuckDB serves the facts as views over the lake (tasks/lake_views.py); each view's columns and
# types are an always-empty table of this schema, made by the DDL and changed by its ALTERs.
LAKE_SHAPES = "lake_shape"
# How long to wait for another process's hold on the DuckDB file (an analyst's read-only session,
# a concurrent ingest) before giving up with DuckDB's own error, which names the holder's PID.
LOCK_WAIT_SECONDS = float(os.environ.get("CSP_DUCKDB_LOCK_WAIT", "300"))
# DuckDB's buffer pool otherwise grows to 80% of the machine's memory: the mart build over a million
# street rows took 750 MB above the ingest's own peak (bench/RESULTS.md); past the limit it spills to disk.
# Over the lake's Parquet (the facts are views) a window over every crime could not spill as it did
# over tables: mart_harm_concentration now ranks counts per weight instead (bench/RESULTS.md).
DUCKDB_MEMORY_LIMIT = os.environ.get("CSP_DUCKDB_MEMORY_LIMIT", "256MB")


# Engines kept per (URL, mode, process), most recently used last; a few are kept so a test
# session's many schemas do not hold a pool each.
_ENGINES: OrderedDict[tuple, sa.Engine] = OrderedDict()
_ENGINES_KEPT = 4
_ENGINES_LOCK = threading.Lock()


def open_engine(url: str, read_only: bool = False) -> sa.Engine:
    """The process's engine for the URL, made on first use.

    One engine per URL, not one per call: each PostgreSQL engine keeps a pool of connections, and
    a national run publishes 1,548 files (an engine per publish ran the server out of
    connections). DuckDB: one process at a time may write the file, and readers in other
    processes exclude writers, so connections are not pooled (the lock is held only while
    working) and opening one waits, retrying, while another process holds the file. `read_only`
    is the analysts' mode.
    """
    key = (url, read_only, os.getpid())  # a forked worker makes its own: pooled connections do not cross a fork
    with _ENGINES_LOCK:
        engine = _ENGINES.pop(key, None) or _new_engine(url, read_only)
        _ENGINES[key] = engine
        while len(_ENGINES) > _ENGINES_KEPT:
            _ENGINES.popitem(last=False)[1].dispose()
    return engine


def _new_engine(url: str, read_only: bool) -> sa.Engine:
    """A new engine for the URL (see open_engine)."""
    if not url.startswith("duckdb:"):
        engine = sa.create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=8)
        sa.event.listen(engine, "connect", search_sides)  # the side schemas (warehouse/schemas.py)
        return engine
    path = url.split("///", 1)[-1].split("?", 1)[0]
    if path and path != ":memory:" and not read_only:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    config = {"memory_limit": DUCKDB_MEMORY_LIMIT}
    engine = sa.create_engine(url, poolclass=NullPool,
                              connect_args={"config": config} | ({"read_only": True} if read_only else {}))
    sa.event.listen(engine, "do_connect", _wait_for_file_lock)
    sa.event.listen(engine, "connect", search_sides)
    return engine


def _wait_for_file_lock(dialect, conn_rec, cargs, cparams):
    """Connect, retrying with backoff while another process holds the DuckDB file's lock."""
    deadline, pause = time.monotonic() + LOCK_WAIT_SECONDS, 0.05
    while True:
        try:
            return dialect.connect(*cargs, **cparams)
        except Exception as exc:  # duckdb.IOException: "Could not set lock on file ... Conflicting lock"
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 1.0)


def is_duckdb(engine_or_conn) -> bool:
    """True for the embedded DuckDB warehouse."""
    return engine_or_conn.dialect.name == "duckdb"


def split_statements(sql: str) -> list[str]:
    """Statements of a SQL file separated by ';' at line ends (no procedural bodies here)."""
    return [s.strip() for s in re.split(r";\s*$", sql, flags=re.M) if s.strip()]


def ensure_schema(engine: sa.Engine, analyst: str | None = None) -> list[str]:
    """Create every table in ddl/ that does not exist yet, in file order, in one transaction
    (then the engine's own in ddl/<engine>/: PostgreSQL's partition indexes, the shared SQL
    functions), each in its schema (warehouse/schemas.py), comment them from the data dictionary,
    and let the analyst role read the analysts' schema. Returns what it changed of a warehouse an
    earlier version made (tables moved to their schemas, lineage migrated), for the run's log."""
    from warehouse.comments import set_comments
    from warehouse.migrations import migrate_lineage, relocate
    from warehouse.roles import grant_analyst_reads
    from warehouse.swap import declare_grain

    # then the engine's own: PostgreSQL's partition indexes, each engine's functions
    files = sorted(DDL_DIR.glob("*.sql")) + sorted((DDL_DIR / engine.dialect.name).glob("*.sql"))
    with engine.begin() as conn:
        make_schemas(conn)
        changed = relocate(conn, DDL_DIR)  # a warehouse from before the side schemas, in the same transaction as the DDL
        changed += migrate_lineage(conn)  # a warehouse from before load_id, likewise
        shaped, base = lake_views(conn), base_schema(conn)
        for path in files:
            for statement in split_statements(path.read_text(encoding="utf-8")):
                conn.execute(sa.text(placed(on_shapes(statement, shaped), base)))
        for table, key in DIMENSION_KEYS.items():  # declared for BI tools; the loads keep them unique
            declare_grain(conn, table, key)
        set_comments(conn)  # the data dictionary, for BI tools
        grant_analyst_reads(conn, analyst)
    return changed


def lake_views(conn: sa.Connection) -> set[str]:
    """DuckDB: the tables served as views over the lake, whose shapes the DDL's ALTERs change."""
    if not is_duckdb(conn):
        return set()
    return set(across(conn,
        "select v.table_name from information_schema.tables v join information_schema.tables s "
        "on s.table_name = v.table_name and s.table_schema = :shapes "
        "where v.table_schema in :layout and v.table_type = 'VIEW'", shapes=LAKE_SHAPES).scalars())


def on_shapes(statement: str, shaped: set[str]) -> str:
    """An ALTER TABLE of a table served as a view, made to its shape (the view is made again from it)."""
    match = re.search(r"^\s*alter\s+table\s+(\w+)", statement, flags=re.I | re.M)
    if match and match.group(1) in shaped:
        return statement[:match.start(1)] + f"{LAKE_SHAPES}." + statement[match.start(1):]
    return statement
