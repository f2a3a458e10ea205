"""PostgreSQL roles: a loader that owns and writes the pipeline's tables, and analysts who read facts,
dimensions, reference tables and marts, but not the quarantine (raw values of held-back rows) or
the pipeline's own tables (load log warnings quote raw values; stage tables hold unmerged rows).

`csp-pipeline roles` runs once as an administrator; afterwards the pipeline connects as the loader
and, as the tables' owner, re-grants analyst reads whenever it creates a table or rebuilds a mart.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

ANALYST_PREFIXES = ("fact_", "dim_", "ref_", "mart_")
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def identifier(name: str) -> str:
    """A role, schema or table name checked to be a plain lower-case identifier, double-quoted."""
    if not IDENTIFIER.match(name):
        raise ValueError(f"not a plain identifier: {name!r}")
    return f'"{name}"'


def analyst_readable(table: str) -> bool:
    """Facts, dimensions, reference tables and marts; never quarantine_* or etl_*."""
    return table.startswith(ANALYST_PREFIXES)


def pipeline_tables(conn: sa.Connection) -> list[str]:
    """Every table in the current schema."""
    return list(conn.execute(sa.text(
        "select table_name from information_schema.tables where table_schema = current_schema() "
        "and table_type = 'BASE TABLE' order by 1")).scalars())


def role_exists(conn: sa.Connection, role: str) -> bool:
    """True when the cluster has the role."""
    return conn.execute(sa.text("select count(*) from pg_roles where rolname = :r"), {"r": role}).scalar_one() > 0


def grant_analyst_reads(conn: sa.Connection, analyst: str | None) -> None:
    """Let the analyst role read the analyst tables this connection's role owns (PostgreSQL only)."""
    if conn.dialect.name != "postgresql" or not analyst or not role_exists(conn, analyst):
        return
    owned = set(conn.execute(sa.text(
        "select tablename from pg_tables where schemaname = current_schema() and tableowner = current_user")).scalars())
    for table in pipeline_tables(conn):
        if table in owned and analyst_readable(table):
            conn.execute(sa.text(f"grant select on {identifier(table)} to {identifier(analyst)}"))


def setup_roles(conn: sa.Connection, loader: str, analyst: str) -> list[str]:
    """As an administrator: create the two login roles if missing, give the loader the schema's
    tables and the right to create more, the analyst usage of the schema and reads of analyst tables."""
    schema = conn.execute(sa.text("select current_schema()")).scalar_one()
    done = []
    for role in (loader, analyst):
        if not role_exists(conn, role):
            conn.execute(sa.text(f"create role {identifier(role)} login"))
            done.append(f"created role {role}")
    conn.execute(sa.text(f"revoke create on schema {identifier(schema)} from public"))
    conn.execute(sa.text(f"grant usage, create on schema {identifier(schema)} to {identifier(loader)}"))
    conn.execute(sa.text(f"grant usage on schema {identifier(schema)} to {identifier(analyst)}"))
    for table in pipeline_tables(conn):
        conn.execute(sa.text(f"alter table {identifier(table)} owner to {identifier(loader)}"))
        conn.execute(sa.text(f"revoke all on {identifier(table)} from {identifier(analyst)}"))
        if analyst_readable(table):
            conn.execute(sa.text(f"grant select on {identifier(table)} to {identifier(analyst)}"))
    # the loader numbers its runs from the schema's sequences (etl_run_seq): it owns them too
    for (sequence,) in conn.execute(sa.text(
            "select sequence_name from information_schema.sequences where sequence_schema = current_schema()")).all():
        conn.execute(sa.text(f"alter sequence {identifier(sequence)} owner to {identifier(loader)}"))
    # the loader replaces the shared SQL functions (csp_fy_start, ...) on each load: it owns them too
    functions = conn.execute(sa.text(
        "select p.proname, pg_get_function_identity_arguments(p.oid) from pg_proc p "
        "join pg_namespace n on n.oid = p.pronamespace where n.nspname = current_schema() and p.proname like 'csp\\_%'")).all()
    for name, arguments in functions:
        conn.execute(sa.text(f"alter function {identifier(name)}({arguments}) owner to {identifier(loader)}"))
    done.append(f"schema {schema}: {loader} owns and writes, {analyst} reads facts, dimensions, reference tables and marts")
    return done
