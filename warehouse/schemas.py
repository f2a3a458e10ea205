"""Where the warehouse keeps what analysts read, and what they must not.

The URL's own schema (PostgreSQL's search_path, `public` by default; DuckDB's `main`) holds what
analysts read: facts, dimensions, reference tables, marts and the shared SQL functions. Beside it:

  staging     tables a load fills before it merges them (the ITK export being merged) and, on
              PostgreSQL, the marts being built before they are swapped in
  ops         the pipeline's own record: etl_load_log (its warnings quote raw values), the run sequence
  quarantine  rows held back, with their raw values

Each is `<schema>_<kind>`, or plain `<kind>` beside `public` or `main`, so two partnerships sharing a
database keep theirs apart. Privileges follow the schemas (warehouse/roles.py). The DDL creates its
side tables as `staging.x`, `ops.x` or `quarantine.x`, which `placed` turns into the real names; every
pipeline connection searches the four schemas in that order, so the rest of the code names tables bare.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

SIDES = ("staging", "ops", "quarantine")
PLAIN = ("public", "main")  # a database's default schema: its sides need no prefix


class MissingSchema(RuntimeError):
    """A side schema is missing and the connection's role may not create it."""


def side_schemas(base: str) -> dict[str, str]:
    """The side schemas' real names beside the base schema, by kind."""
    return {kind: kind if base in PLAIN else f"{base}_{kind}" for kind in SIDES}


def schemas_of(base: str) -> list[str]:
    """The base schema and its side schemas, in search order."""
    return [base, *side_schemas(base).values()]


def base_schema(conn: sa.Connection) -> str:
    """The schema analysts read: the first of the connection's search path that exists."""
    return conn.execute(sa.text("select current_schema()")).scalar_one()


def layout(conn: sa.Connection) -> list[str]:
    """The connection's base schema and its side schemas, in search order."""
    return schemas_of(base_schema(conn))


def placed(statement: str, base: str) -> str:
    """The DDL statement with each side schema named as it is beside this base (`ops.` -> `<base>_ops.`)."""
    sides = side_schemas(base)
    name, quote, rest = statement.partition("'")  # names come before any string literal (a comment's text)
    return re.sub(rf"(?<![\w.])({'|'.join(SIDES)})(?=\.[a-z_])", lambda m: sides[m.group(1)], name) + quote + rest


def quoted(name: str) -> str:
    """A schema name as a quoted identifier."""
    return '"' + name.replace('"', '""') + '"'


def duckdb_search_path(schemas: list[str]) -> str:
    """DuckDB's SET statement for a search path (it takes one comma-separated string)."""
    return "set search_path = '" + ",".join(schemas) + "'"


def search_sides(dbapi_connection, _record) -> None:
    """On connecting: search the base schema, then its side schemas (those that exist, on DuckDB,
    which refuses others; PostgreSQL skips missing ones and finds them once they are made)."""
    duck = type(dbapi_connection).__module__.startswith("duckdb")
    autocommit = None if duck else dbapi_connection.autocommit
    if not duck:
        dbapi_connection.autocommit = True  # a SET inside a transaction the pool rolls back would be lost
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("select current_schema()")
        base = cursor.fetchone()[0]
        if base is None:  # PostgreSQL: no schema of the URL's search path exists yet
            return
        wanted = schemas_of(base)
        if duck:
            cursor.execute("select schema_name from duckdb_schemas() where database_name = current_database()")
            present = {name for (name,) in cursor.fetchall()}
            cursor.execute(duckdb_search_path([s for s in wanted if s in present]))
        else:
            cursor.execute("set search_path to " + ", ".join(quoted(s) for s in wanted))
    finally:
        cursor.close()
        if not duck:
            dbapi_connection.autocommit = autocommit


def make_schemas(conn: sa.Connection) -> list[str]:
    """Create the side schemas that are missing (checked first: PostgreSQL refuses even CREATE SCHEMA
    IF NOT EXISTS to a role without the right, such as the loader) and search them; those made."""
    base = base_schema(conn)
    present = set(conn.execute(sa.text("select schema_name from information_schema.schemata")).scalars())
    made = [schema for schema in side_schemas(base).values() if schema not in present]
    for schema in made:
        try:
            conn.execute(sa.text(f"create schema {quoted(schema)}"))
        except sa.exc.ProgrammingError as exc:  # the loader of a warehouse made before the side schemas
            raise MissingSchema(f"schema {schema} is missing and this role may not create it ({exc.orig}): run "
                                "`csp-pipeline roles` once as an administrator, which creates it for the loader") from exc
    if made and conn.dialect.name == "duckdb":  # its search path could not name them before they existed
        conn.execute(sa.text(duckdb_search_path(layout(conn))))
    return made


def across(conn: sa.Connection, sql: str, **params) -> sa.CursorResult:
    """Run a catalog query in which `:layout` stands for the base schema and its side schemas."""
    query = sa.text(sql).bindparams(sa.bindparam("layout", expanding=True))
    return conn.execute(query, {"layout": layout(conn), **params})


def home(conn: sa.Connection, table: str) -> str:
    """The schema holding the table or view: the first of the layout that has one of that name."""
    schemas = layout(conn)
    held = set(across(conn, "select table_schema from information_schema.tables "
                            "where table_name = :t and table_schema in :layout", t=table).scalars())
    return next((s for s in schemas if s in held), schemas[0])
