"""On DuckDB the facts and their quarantine are views over the lake: each row is stored once.

Every fact_* and quarantine_* table a feed declares (tasks/feed.py, Target) is served as a view
over its hive-partitioned Parquet, <lake>/<zone>/<dataset>/<key>=<folder>/.../data.parquet, its
key columns read back from the folder names (Target.folder). A partition's rename into place is
its publish, so a reader sees each partition whole, old or new; the load log stays the record of
what was loaded. The DDL's table is kept, always empty, in the `lake_shape` schema: it gives the
view its columns and types, and is what the view reads while the lake holds none of its files.
PostgreSQL keeps tables, loaded by COPY.
"""

from __future__ import annotations

import functools
import glob
import re
from pathlib import Path

import sqlalchemy as sa

from tasks import lake
from tasks.feed import Target
from warehouse.engine import LAKE_SHAPES as SHAPES
from warehouse.schemas import home


class KeptTable(Exception):
    """A table from before that cannot become a view: its rows are not the lake's."""


class OtherLake(Exception):
    """The warehouse's views read another lake, which holds rows this run's lake does not."""


def served_lake(conn: sa.Connection, target: Target) -> Path | None:
    """The lake root a view reads now (None while it reads its empty shape)."""
    sql = conn.execute(sa.text("select sql from duckdb_views() where schema_name = :s and view_name = :t"),
                       {"s": home(conn, target.table), "t": target.table}).scalar() or ""
    match = re.search(r"read_parquet\('((?:[^']|'')+)'", sql)
    if match is None:
        return None
    suffix = str(files_pattern(target, Path("/")))  # /<zone>/<dataset>/<key>=*/.../data.parquet
    path = match.group(1).replace("''", "'")
    return Path(path[: -len(suffix)]) if path.endswith(suffix) else None


def check_same_lake(conn: sa.Connection, target: Target, lake_root: Path) -> None:
    """Refuse to point a view away from a lake that holds its rows at one that holds none of them:
    a warehouse and its lake are a pair, and the rows would vanish from the analysts' view."""
    old = served_lake(conn, target)
    if old is None or old == Path(lake_root).resolve():
        return
    if glob.glob(str(files_pattern(target, old))) and not glob.glob(str(files_pattern(target, lake_root))):
        raise OtherLake(f"{target.table} is a view over the lake at {old}, which holds its rows, and this run's lake "
                        f"{lake_root} holds none: run with --lake-dir {old} (CSP_LAKE_DIR), or move that lake here")


@functools.cache
def view_targets() -> dict[str, Target]:
    """Every fact and quarantine table the feeds declare, by name."""
    from tasks.registry import FEEDS

    return {t.table: t for feed in FEEDS for t in feed.load_contract().targets
            if t.table.startswith(("fact_", "quarantine_"))}


def files_pattern(target: Target, lake_root: Path) -> Path:
    """The glob of the target's partition files: one folder level per key column, from the absolute
    lake root (DuckDB would read a relative path from whatever directory the analyst is in)."""
    folder = lake.partition_dir(Path(lake_root).resolve(), target.zone, target.dataset)
    return folder.joinpath(*[f"{k}=*" for k in target.key], lake.DATA_FILE)


def view_sql(conn: sa.Connection, target: Target, lake_root: Path) -> str:
    """The view's query: the lake's files as the shape's columns and types, or the empty shape while there are none."""
    shape = f"{SHAPES}.{target.table}"
    pattern = files_pattern(target, lake_root)
    if not glob.glob(str(pattern)):
        return f"select * from {shape}"
    columns = conn.execute(sa.text(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = :s and table_name = :t order by ordinal_position"), {"s": SHAPES, "t": target.table}).all()
    def column(name: str, kind: str) -> str:
        """The column cast to the shape's type; a key column from its folder name."""
        value = target.folder.sql(name, kind == "DATE") if name in target.key else f'"{name}"'
        return f'cast({value} as {kind}) as "{name}"'

    select = ", ".join(column(name, kind) for name, kind in columns)
    path = str(pattern).replace("'", "''")
    return f"select {select} from read_parquet('{path}', hive_partitioning = true, hive_types_autocast = false)"


def refresh(conn: sa.Connection, tables: set[str], lake_root: Path) -> None:
    """Point the views at the lake again: a view reads its shape until its first file is promoted."""
    targets = view_targets()
    for table in sorted(tables):
        conn.execute(sa.text(f"create or replace view {home(conn, table)}.{table} as {view_sql(conn, targets[table], lake_root)}"))


def serve(engine: sa.Engine, lake_root: Path) -> list[str]:
    """Make each fact and quarantine table a view over the lake (DuckDB); what was done, per table.

    A table from before that holds rows becomes a view only if the lake holds the same number:
    the lake is then the same data, stored once. Otherwise it stays a table, and the run says why.
    """
    if engine.dialect.name != "duckdb":
        return []
    done = []
    for table, target in view_targets().items():
        try:
            with engine.begin() as conn:
                said = serve_one(conn, target, Path(lake_root))
        except sa.exc.DBAPIError as exc:  # lake files of another shape (an older version's): rolled back
            said = f"{table}: kept as a table; its lake files do not read as its columns: {exc.orig}"
        except KeptTable as kept:
            said = str(kept)
        if said:
            done.append(said)
    return done


def serve_one(conn: sa.Connection, target: Target, lake_root: Path) -> str | None:
    """The table as a view over the lake, in the caller's transaction; what was done, if worth saying."""
    table = target.table
    conn.execute(sa.text(f"create schema if not exists {SHAPES}"))
    schema = home(conn, table)  # the facts' schema, or the quarantine's (warehouse/schemas.py)
    kind = conn.execute(sa.text(
        "select table_type from information_schema.tables where table_schema = :s and table_name = :t"),
        {"s": schema, "t": table}).scalar()
    if kind == "VIEW":
        check_same_lake(conn, target, lake_root)
        refresh(conn, {table}, lake_root)
        return None
    conn.execute(sa.text(f"create table if not exists {SHAPES}.{table} as select * from {schema}.{table} limit 0"))
    query = view_sql(conn, target, lake_root)
    held = conn.execute(sa.text(f"select count(*) from {schema}.{table}")).scalar_one()
    in_lake = conn.execute(sa.text(f"select count(*) from ({query})")).scalar_one()
    if held != in_lake:  # raised, so the transaction (its shape included) rolls back
        raise KeptTable(f"{table}: kept as a table; it holds {held:,} rows and its lake files {in_lake:,}")
    conn.execute(sa.text(f"drop table {schema}.{table}"))
    conn.execute(sa.text(f"create view {schema}.{table} as {query}"))
    return f"{table}: now a view over the lake's {in_lake:,} rows (the table's copy dropped)" if held else None
