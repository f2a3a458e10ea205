"""PostgreSQL roles: a loader that owns and writes the pipeline's tables, and analysts who read the
analysts' schema (facts, dimensions, reference tables, marts) and nothing of its side schemas: the
quarantine (raw values of held-back rows), ops (load log warnings quote raw values) and staging
(unmerged rows, marts mid-build). Privileges follow the schemas (warehouse/schemas.py), not table names.

`csp-pipeline roles` runs once as an administrator; afterwards the pipeline connects as the loader,
and what it creates in the analysts' schema is theirs to read by the schema's default privileges.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from warehouse.schemas import across, base_schema, side_schemas

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def identifier(name: str) -> str:
    """A role, schema or table name checked to be a plain lower-case identifier, double-quoted."""
    if not IDENTIFIER.match(name):
        raise ValueError(f"not a plain identifier: {name!r}")
    return f'"{name}"'


def pipeline_tables(conn: sa.Connection) -> list[tuple[str, str]]:
    """Every table of the analysts' schema and its side schemas, as (schema, table)."""
    return [tuple(row) for row in across(conn,
        "select table_schema, table_name from information_schema.tables where table_schema in :layout "
        "and table_type = 'BASE TABLE' order by 1, 2").all()]


def role_exists(conn: sa.Connection, role: str) -> bool:
    """True when the cluster has the role."""
    return conn.execute(sa.text("select count(*) from pg_roles where rolname = :r"), {"r": role}).scalar_one() > 0


def grant_analyst_reads(conn: sa.Connection, analyst: str | None) -> None:
    """Let the analyst role read every table of the analysts' schema (PostgreSQL only). The default
    privileges cover what the loader creates there; this covers what it moves in (a first mart build
    from staging) and what was made before the roles."""
    if conn.dialect.name != "postgresql" or not analyst or not role_exists(conn, analyst):
        return
    schema = identifier(base_schema(conn))
    # tables the connection's role cannot grant on are skipped with a warning, not an error
    conn.execute(sa.text(f"grant select on all tables in schema {schema} to {identifier(analyst)}"))


def setup_roles(conn: sa.Connection, loader: str, analyst: str) -> list[str]:
    """As an administrator: create the two login roles if missing; give the loader the schemas, their
    tables and the right to create more; the analyst usage of the analysts' schema and reads of its
    tables, now and (by default privileges) to come, and nothing of the side schemas."""
    base = base_schema(conn)
    schema, sides = identifier(base), [identifier(side) for side in side_schemas(base).values()]
    loader_id, analyst_id = identifier(loader), identifier(analyst)
    done = []
    for role in (loader, analyst):
        if not role_exists(conn, role):
            conn.execute(sa.text(f"create role {identifier(role)} login"))
            done.append(f"created role {role}")
    conn.execute(sa.text(f"revoke create on schema {schema} from public"))
    conn.execute(sa.text(f"grant usage, create on schema {schema} to {loader_id}"))
    conn.execute(sa.text(f"grant usage on schema {schema} to {analyst_id}"))
    for side in sides:  # the loader's own: nobody else is granted anything in them
        conn.execute(sa.text(f"alter schema {side} owner to {loader_id}"))
        conn.execute(sa.text(f"revoke all on schema {side} from public, {analyst_id}"))
    for table_schema, table in pipeline_tables(conn):
        conn.execute(sa.text(f"alter table {identifier(table_schema)}.{identifier(table)} owner to {loader_id}"))
    for side in sides:
        conn.execute(sa.text(f"revoke all on all tables in schema {side} from {analyst_id}"))
    conn.execute(sa.text(f"grant select on all tables in schema {schema} to {analyst_id}"))
    conn.execute(sa.text(f"alter default privileges for role {loader_id} in schema {schema} grant select on tables to {analyst_id}"))
    # the loader numbers its runs from the ops schema's sequence (etl_run_seq): it owns them too
    for sequence_schema, sequence in across(conn,
            "select sequence_schema, sequence_name from information_schema.sequences where sequence_schema in :layout").all():
        conn.execute(sa.text(f"alter sequence {identifier(sequence_schema)}.{identifier(sequence)} owner to {loader_id}"))
    # the loader replaces the shared SQL functions (csp_fy_start, ...) on each load: it owns them too
    functions = conn.execute(sa.text(
        "select p.proname, pg_get_function_identity_arguments(p.oid) from pg_proc p "
        "join pg_namespace n on n.oid = p.pronamespace where n.nspname = :s and p.proname like 'csp\\_%'"), {"s": base}).all()
    for name, arguments in functions:
        conn.execute(sa.text(f"alter function {schema}.{identifier(name)}({arguments}) owner to {loader_id}"))
    done.append(f"schema {base}: {loader} owns and writes, {analyst} reads it (facts, dimensions, reference tables, marts); "
                f"schemas {', '.join(side_schemas(base).values())}: {loader} alone")
    return done
