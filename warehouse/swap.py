"""Marts are built aside, as `<mart>__next`, and swapped in by one short transaction readers never wait on.

PostgreSQL: a mart whose columns are unchanged takes its new rows by DELETE and INSERT, which hold
only a ROW EXCLUSIVE lock: a reader's ACCESS SHARE never conflicts with it, so a long query keeps its
snapshot, the next sees the new rows, and views analysts built on the mart keep working. A mart whose
columns changed (a new release) is first altered to its new shape; a view reading a column that goes
or changes type blocks that, and then the mart is kept as it was and the conflict reported by name.
DuckDB: one process holds the file, so nobody reads during the swap; the new table replaces the old
by name, views (bound by name) follow it, and a view that no longer binds is reported by name.
"""

from __future__ import annotations

import contextlib
import re

import sqlalchemy as sa

from warehouse.engine import is_duckdb
from warehouse.schemas import across, base_schema, side_schemas

STAGED = "__next"
# How long the swap waits for a lock before giving up on one mart (PostgreSQL; only a change of
# columns needs one a reader holds): that mart is kept as it was and the build goes on.
LOCK_WAIT = "5s"


def staged(name: str) -> str:
    """The name a mart is built under before it is swapped in."""
    return f"{name}{STAGED}"


def aside(sql: str, building: list[str]) -> str:
    """The SELECT reading the new builds of the marts being built, and the live ones of the rest."""
    if not building:
        return sql
    names = "|".join(sorted(building, key=len, reverse=True))
    return re.sub(rf"\b(from|join)(\s+)({names})\b", rf"\1\2\3{STAGED}", sql, flags=re.I)


@contextlib.contextmanager
def builds_one_at_a_time(conn: sa.Connection):
    """PostgreSQL: hold the schema's mart-build lock (a session advisory lock) for the block. DuckDB
    needs none: the open connection holds the file."""
    if is_duckdb(conn):
        yield
        return
    conn.execute(sa.text("select pg_advisory_lock(hashtext(current_schema() || :what))"), {"what": "/csp-pipeline marts"})
    conn.commit()  # the lock is the session's: it outlives this transaction, which would only hold a snapshot
    try:
        yield
    finally:
        if conn.in_transaction():
            conn.rollback()
        conn.execute(sa.text("select pg_advisory_unlock_all()"))
        conn.commit()


def building_schema(conn: sa.Connection) -> str:
    """Where marts are built: on PostgreSQL the staging schema, out of analysts' and BI tools' sight.
    DuckDB moves no table between schemas (no SET SCHEMA), and nobody reads its file while a build
    holds it, so there they are built beside the live ones."""
    base = base_schema(conn)
    return base if is_duckdb(conn) else side_schemas(base)["staging"]


def drop_staged(conn: sa.Connection) -> None:
    """Drop what a build killed between its build and its swap left aside."""
    for table in across(conn,
            "select table_name from information_schema.tables where table_schema in :layout "
            "and table_type = 'BASE TABLE' and table_name like :pattern", pattern=f"mart%{STAGED}").scalars():
        if table.endswith(STAGED):
            conn.execute(sa.text(f"drop table {table}"))


def column_types(conn: sa.Connection, table: str) -> dict[str, str]:
    """The table's columns and their types as its engine writes them, in order ({} when it does not exist)."""
    if is_duckdb(conn):
        sql = ("select column_name, data_type from duckdb_columns() where table_name = :t "
               "and schema_name = current_schema() order by column_index")
    else:
        sql = ("select attname, format_type(atttypid, atttypmod) from pg_attribute "
               "where attrelid = to_regclass(:t) and attnum > 0 and not attisdropped order by attnum")
    return dict(conn.execute(sa.text(sql), {"t": table}).all())


def primary_key(conn: sa.Connection, table: str) -> tuple[str, ...]:
    """The table's declared primary key columns (empty when it has none)."""
    if is_duckdb(conn):
        row = conn.execute(sa.text(
            "select constraint_column_names from duckdb_constraints() where table_name = :t "
            "and schema_name = current_schema() and constraint_type = 'PRIMARY KEY'"), {"t": table}).first()
        return tuple(row[0]) if row else ()
    return tuple(conn.execute(sa.text(
        "select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey) "
        "where i.indrelid = to_regclass(:t) and i.indisprimary order by array_position(i.indkey, a.attnum)"),
        {"t": table}).scalars())


def key_constraint(conn: sa.Connection, table: str) -> str | None:
    """PostgreSQL: the name of the table's primary key constraint (None on DuckDB or without one)."""
    if is_duckdb(conn):
        return None
    return conn.execute(sa.text("select conname from pg_constraint where conrelid = to_regclass(:t) and contype = 'p'"),
                        {"t": table}).scalar()


def declare_grain(conn: sa.Connection, table: str, grain: tuple[str, ...], checked: bool = False) -> bool:
    """Declare the grain as the table's primary key, so BI tools see it; not where a grain column
    holds nulls (a null is a value of the grain here, which no engine's key allows) or a key repeats
    (`checked`: the build's grain check has just said none does)."""
    if not grain or primary_key(conn, table):
        return False
    cols = ", ".join(grain)
    nulls = " or ".join(f"{column} is null" for column in grain)
    repeats = "0" if checked else f"(select count(*) from {table}) - (select count(*) from (select distinct {cols} from {table}) k)"
    held, repeated, null = conn.execute(sa.text(
        f"select (select count(*) from {table}), {repeats}, (select count(*) from {table} where {nulls})")).one()
    if not held or null or repeated:  # an empty build shows nothing of where nulls go
        return False
    conn.execute(sa.text(f"alter table {table} add primary key ({cols})"))
    return True


def not_null(conn: sa.Connection, table: str) -> set[str]:
    """PostgreSQL: the table's columns declared NOT NULL."""
    return set(conn.execute(sa.text("select attname from pg_attribute where attrelid = to_regclass(:t) and attnum > 0 "
                                     "and not attisdropped and attnotnull"), {"t": table}).scalars())


def dependent_views(conn: sa.Connection, table: str) -> list[str]:
    """The views that read the table (PostgreSQL records them; DuckDB's are found in their SQL)."""
    if is_duckdb(conn):
        views = conn.execute(sa.text(
            "select view_name, sql from duckdb_views() where not internal and schema_name = current_schema()")).all()
        return sorted(name for name, sql in views if re.search(rf"\b{table}\b", sql, flags=re.I))
    return list(conn.execute(sa.text(
        "select distinct v.relname from pg_depend d join pg_rewrite r on r.oid = d.objid "
        "join pg_class v on v.oid = r.ev_class where d.refobjid = to_regclass(:t) and v.oid <> d.refobjid "
        "order by 1"), {"t": table}).scalars())


def swap_in(conn: sa.Connection, name: str, grain: tuple[str, ...]) -> str | None:
    """Put the mart's new build in place of the live one; a conflict that keeps it as it was, or None."""
    new, live = column_types(conn, staged(name)), column_types(conn, name)
    if is_duckdb(conn) or not live:
        conn.execute(sa.text(f"drop table if exists {name}"))
        if not is_duckdb(conn):  # out of staging, into the analysts' schema
            conn.execute(sa.text(f'alter table {staged(name)} set schema "{base_schema(conn)}"'))
        conn.execute(sa.text(f"alter table {staged(name)} rename to {name}"))
        if key_constraint(conn, name):  # PostgreSQL keeps the build's name, which the next build needs
            conn.execute(sa.text(f"alter table {name} rename constraint {key_constraint(conn, name)} to {name}_pkey"))
        return None
    try:
        with conn.begin_nested():  # a savepoint: a conflict undoes this mart's part only
            reshape(conn, name, live, new, grain)
            columns = ", ".join(new)
            conn.execute(sa.text(f"delete from {name}"))
            conn.execute(sa.text(f"insert into {name} ({columns}) select {columns} from {staged(name)}"))
    except sa.exc.DBAPIError as exc:
        views = ", ".join(dependent_views(conn, name)) or "none"
        reason = str(exc.orig).strip().splitlines()[0]
        return f"{name} kept as it was (views reading it: {views}): {reason}"
    finally:
        conn.execute(sa.text(f"drop table if exists {staged(name)}"))
    return None


def reshape(conn: sa.Connection, name: str, live: dict[str, str], new: dict[str, str], grain: tuple[str, ...]) -> None:
    """Alter the live table to the new build's columns and key (PostgreSQL; nothing when they match)."""
    changes = [f"drop column {c}" for c in live if c not in new]
    changes += [f"add column {c} {t}" for c, t in new.items() if c not in live]
    changes += [f"alter column {c} type {t} using {c}::{t}" for c, t in new.items() if c in live and live[c] != t]
    key, wanted = primary_key(conn, name), primary_key(conn, staged(name))
    if key != wanted and key:
        changes.insert(0, f"drop constraint {key_constraint(conn, name)}")
    # a column that was in the key is NOT NULL, and stays so when the key goes: free it as the build is
    changes += [f"alter column {c} drop not null" for c in not_null(conn, name) - not_null(conn, staged(name)) if c in new]
    if changes:
        conn.execute(sa.text(f"alter table {name} {', '.join(changes)}"))
    if key != wanted and wanted:
        conn.execute(sa.text(f"alter table {name} add primary key ({', '.join(wanted)})"))


def unbound_views(engine: sa.Engine, marts: list[str]) -> list[str]:
    """DuckDB: the views on these marts that no longer bind after a swap, each with its error."""
    if not is_duckdb(engine):
        return []
    with engine.connect() as conn:
        views = sorted({v for mart in marts for v in dependent_views(conn, mart)})
    broken = []
    for view in views:
        with engine.connect() as conn:  # a failed statement spoils its DuckDB transaction: one each
            try:
                conn.execute(sa.text(f"select * from {view} limit 0"))
            except sa.exc.DBAPIError as exc:
                broken.append(f"view {view} no longer reads its mart: {str(exc.orig).strip().splitlines()[0]}")
    return broken
