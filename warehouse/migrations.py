"""Changes to a warehouse made by an earlier version, applied in place by ensure_schema.

Lineage: rows used to carry their file's SHA-256 and run id; they now carry `load_id`, the key of
their etl_load_log row, which holds both. A warehouse from before is migrated, not rebuilt: every
load-log row gets a load id, every row the load id of the loaded file and run it names.

Schemas: quarantine, the load log and stage tables used to sit beside the facts; they now live in
side schemas (warehouse/schemas.py), and a warehouse from before has them moved there, rows and all.
"""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa

from warehouse.schemas import across, base_schema, side_schemas

LEGACY = ("source_sha256", "run_id")


def legacy_lineage_tables(conn: sa.Connection) -> list[str]:
    """The tables whose rows still carry the file's hash and run id."""
    return list(across(conn,
        "select table_name from information_schema.columns where table_schema in :layout "
        "and column_name = 'source_sha256' and table_name not in ('etl_load_log') order by table_name").scalars())


def migrate_lineage(conn: sa.Connection) -> list[str]:
    """Give each row the load id of its file's load and drop the hash and run id; what it did, per table."""
    tables = legacy_lineage_tables(conn)
    if not tables:
        return []
    conn.execute(sa.text("alter table etl_load_log add column if not exists load_id bigint"))
    # ids below the first run's (10^8), so no new run's id meets one
    conn.execute(sa.text(f"create sequence if not exists {side_schemas(base_schema(conn))['ops']}.etl_legacy_load_seq"))
    conn.execute(sa.text("update etl_load_log set load_id = nextval('etl_legacy_load_seq') where load_id is null"))
    done = []
    for table in tables:
        if table.startswith("etl_stage_"):  # empty between loads: made again by the DDL
            conn.execute(sa.text(f"drop table {table}"))
            done.append(f"{table}: dropped (a stage table, empty between loads)")
            continue
        if conn.dialect.name == "duckdb":  # DuckDB alters no table an index depends on; the DDL makes them again
            for (index,) in conn.execute(sa.text("select index_name from duckdb_indexes() where table_name = :t"), {"t": table}):
                conn.execute(sa.text(f"drop index {index}"))
        conn.execute(sa.text(f"alter table {table} add column load_id bigint"))
        conn.execute(sa.text(
            f"update {table} set load_id = l.load_id from ("
            "select source_sha256, run_id, max(load_id) as load_id from etl_load_log where status = 'loaded' "
            f"group by source_sha256, run_id) l where l.source_sha256 = {table}.source_sha256 and l.run_id = {table}.run_id"))
        for column in LEGACY:
            conn.execute(sa.text(f"alter table {table} drop column {column}"))
        done.append(f"{table}: load_id from etl_load_log, source_sha256 and run_id dropped")
    return done


def side_objects(ddl_dir: Path) -> dict[str, str]:
    """Each table and sequence the DDL creates in a side schema, with that schema's kind."""
    found = re.findall(r"^create (?:table|sequence) if not exists (staging|ops|quarantine)\.(\w+)",
                       "\n".join(p.read_text(encoding="utf-8") for p in sorted(ddl_dir.rglob("*.sql"))), flags=re.M)
    return {name: kind for kind, name in found} | {"etl_legacy_load_seq": "ops"}


def relocate(conn: sa.Connection, ddl_dir: Path) -> list[str]:
    """Move each side table, view and sequence an earlier version made in the base schema to its side
    schema, before the DDL runs (which would otherwise make an empty twin); what it moved."""
    base = base_schema(conn)
    sides, wanted = side_schemas(base), side_objects(ddl_dir)
    duck = conn.dialect.name == "duckdb"
    kinds = "select table_name, case when table_type = 'VIEW' then 'view' else 'table' end from information_schema.tables where table_schema = :s"
    sequences = ("select sequence_name, 'sequence' from duckdb_sequences() where schema_name = :s" if duck else
                 "select sequence_name, 'sequence' from information_schema.sequences where sequence_schema = :s")
    done = []
    for name, kind in conn.execute(sa.text(f"{kinds} union all {sequences}"), {"s": base}).all():
        if name not in wanted:
            continue
        to = sides[wanted[name]]
        if duck:
            move_duckdb(conn, base, name, kind, to)
        else:
            conn.execute(sa.text(f'alter {kind} "{base}".{name} set schema "{to}"'))
        done.append(f"{name}: moved to schema {to}")
    return done


def move_duckdb(conn: sa.Connection, base: str, name: str, kind: str, to: str) -> None:
    """DuckDB has no ALTER ... SET SCHEMA: make the object again in the new schema from its own
    CREATE statement (constraints kept), copy its rows or its place in the sequence, drop the old."""
    if kind == "sequence":
        last = conn.execute(sa.text("select coalesce(last_value, start_value - 1) from duckdb_sequences() "
                                    "where schema_name = :s and sequence_name = :n"), {"s": base, "n": name}).scalar_one()
        conn.execute(sa.text(f'create sequence "{to}".{name} start {last + 1}'))
        conn.execute(sa.text(f'drop sequence "{base}".{name}'))
        return
    catalog = "duckdb_views() where view_name" if kind == "view" else "duckdb_tables() where table_name"
    create = conn.execute(sa.text(f"select sql from {catalog} = :n and schema_name = :s"), {"s": base, "n": name}).scalar_one()
    # as the driver's SQL, not sa.text: a view's own text may hold a ':' that is no bind parameter
    conn.exec_driver_sql(re.sub(rf'^CREATE (TABLE|VIEW) (?:"?{base}"?\.)?"?{name}"?', rf'CREATE \1 "{to}".{name}', create, count=1))
    if kind == "table":
        conn.execute(sa.text(f'insert into "{to}".{name} select * from "{base}".{name}'))
    conn.execute(sa.text(f'drop {kind} "{base}".{name}'))
