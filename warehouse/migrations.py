"""Changes to a warehouse made by an earlier version, applied in place by ensure_schema.

Lineage: rows used to carry their file's SHA-256 and run id; they now carry `load_id`, the key of
their etl_load_log row, which holds both. A warehouse from before is migrated, not rebuilt: every
load-log row gets a load id, every row the load id of the loaded file and run it names.
"""

from __future__ import annotations

import sqlalchemy as sa

LEGACY = ("source_sha256", "run_id")


def legacy_lineage_tables(conn: sa.Connection) -> list[str]:
    """The tables whose rows still carry the file's hash and run id."""
    return list(conn.execute(sa.text(
        "select table_name from information_schema.columns where table_schema = current_schema() "
        "and column_name = 'source_sha256' and table_name not in ('etl_load_log') order by table_name")).scalars())


def migrate_lineage(conn: sa.Connection) -> list[str]:
    """Give each row the load id of its file's load and drop the hash and run id; what it did, per table."""
    tables = legacy_lineage_tables(conn)
    if not tables:
        return []
    conn.execute(sa.text("alter table etl_load_log add column if not exists load_id bigint"))
    # ids below the first run's (10^8), so no new run's id meets one
    conn.execute(sa.text("create sequence if not exists etl_legacy_load_seq"))
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
