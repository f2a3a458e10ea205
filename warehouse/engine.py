"""Open the warehouse named by a SQLAlchemy URL and create its tables.

The few DuckDB/PostgreSQL differences live here and in load.py, nowhere else.
"""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

DDL_DIR = Path(__file__).parent / "ddl"


def open_engine(url: str) -> sa.Engine:
    """An engine for the URL; DuckDB connections are not pooled, so the file lock is held only while working."""
    if url.startswith("duckdb:"):
        path = url.split("///", 1)[-1].split("?", 1)[0]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return sa.create_engine(url, poolclass=NullPool)
    return sa.create_engine(url, pool_pre_ping=True)


def is_duckdb(engine_or_conn) -> bool:
    """True for the embedded DuckDB warehouse."""
    return engine_or_conn.dialect.name == "duckdb"


def split_statements(sql: str) -> list[str]:
    """Statements of a SQL file separated by ';' at line ends (no procedural bodies here)."""
    return [s.strip() for s in re.split(r";\s*$", sql, flags=re.M) if s.strip()]


def ensure_schema(engine: sa.Engine) -> None:
    """Create every table in ddl/ that does not exist yet, in file order, in one transaction."""
    with engine.begin() as conn:
        for path in sorted(DDL_DIR.glob("*.sql")):
            for statement in split_statements(path.read_text(encoding="utf-8")):
                conn.execute(sa.text(statement))
