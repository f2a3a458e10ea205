"""The data dictionary written into the warehouse as table and column comments (COMMENT ON), so
Metabase, Superset and DBeaver show what each table and column means, on both engines."""

from __future__ import annotations

import sqlalchemy as sa

from warehouse.dictionary import describe
from warehouse.engine import is_duckdb
from warehouse.schemas import across
from warehouse.swap import STAGED


def current_comments(conn: sa.Connection) -> dict[tuple[str, str | None], str | None]:
    """(table, column or None for the table) -> its comment now, for every table and view of the schemas."""
    if is_duckdb(conn):
        sql = ("select table_name, null, comment from duckdb_tables() where schema_name in :layout "
               "union all select view_name, null, comment from duckdb_views() where schema_name in :layout and not internal "
               "union all select table_name, column_name, comment from duckdb_columns() where schema_name in :layout")
    else:
        sql = ("select c.relname, null, obj_description(c.oid, 'pg_class') from pg_class c "
               "join pg_namespace n on n.oid = c.relnamespace where n.nspname in :layout and c.relkind in ('r', 'v', 'p') "
               "union all select c.relname, a.attname, col_description(c.oid, a.attnum) from pg_class c "
               "join pg_namespace n on n.oid = c.relnamespace "
               "join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped "
               "where n.nspname in :layout and c.relkind in ('r', 'v', 'p')")
    return {(table, column): comment or None for table, column, comment in across(conn, sql).all()}


def quoted(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def set_comments(conn: sa.Connection, tables: list[str] | None = None) -> int:
    """Comment every table (or these) and its columns from the dictionary where the comment differs;
    returns how many were set. Views are commented as tables: both engines accept that."""
    now = current_comments(conn)
    said = 0
    for table in describe(conn):
        if (tables is not None and table.name not in tables) or table.name.endswith(STAGED):
            continue
        wanted = [(None, table.description)] + [(column, meaning) for column, _, meaning in table.columns]
        for column, meaning in wanted:
            if not meaning or now.get((table.name, column)) == meaning:
                continue
            target = f"table {table.name}" if column is None else f"column {table.name}.{column}"
            conn.execute(sa.text(f"comment on {target} is {quoted(meaning)}"))
            said += 1
    return said
