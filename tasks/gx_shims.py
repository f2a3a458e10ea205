"""Every change this project makes to Great Expectations' behaviour, in one place, each checked
against the GX installed so that an upgrade that moves it fails loudly instead of going quiet.

- `HASH_THRESHOLD` (private, great_expectations.execution_engine.pandas_execution_engine): GX
  fingerprints every in-memory pandas batch smaller than this (hash_pandas_dataframe, then md5)
  for batch markers nobody here reads; it was 90% of a validation (0.2 s per 170k rows). 0 turns
  it off. tests/unit/test_gx_shims.py proves the fingerprint is no longer taken.
- `SqlAlchemyExecutionEngine.execute_query` (GX issue 11579): GX closes the connection before the
  caller fetches, so DuckDB returns no rows and every metric fails with IndexError. The shim
  returns the rows already fetched (`freeze()`). Applied by `apply_sql()`, for validation in SQL
  over DuckDB (bench/gx_engines.py: 0.21 CPU-s per 1M rows against 1.75 on the pandas engine).
"""

from __future__ import annotations

TESTED_GX = "1.24."  # the release line these shims were written and tested against (pyproject pins it)


class GXChanged(RuntimeError):
    """Great Expectations no longer has what a shim here relies on."""


def apply() -> None:
    """Apply every shim to the imported GX (idempotent)."""
    import great_expectations as gx
    from great_expectations.execution_engine import pandas_execution_engine as pandas_engine

    if not gx.__version__.startswith(TESTED_GX):
        raise GXChanged(f"great_expectations {gx.__version__} is not the {TESTED_GX}x the shims in "
                        "tasks/gx_shims.py were tested on: check each still applies, then raise TESTED_GX")
    if not hasattr(pandas_engine, "HASH_THRESHOLD") or not hasattr(pandas_engine, "hash_pandas_dataframe"):
        raise GXChanged("pandas_execution_engine.HASH_THRESHOLD or hash_pandas_dataframe is gone: "
                        "the batch fingerprint shim in tasks/gx_shims.py needs a new home")
    pandas_engine.HASH_THRESHOLD = 0


def _fetched_execute_query(self, query):
    """GX's execute_query, with the rows fetched before the connection closes."""
    with self.get_connection() as connection:
        return connection.execute(query).freeze()()


def apply_sql() -> None:
    """Let GX's SQL engine validate DuckDB tables (GX issue 11579); idempotent."""
    apply()
    from great_expectations.execution_engine import sqlalchemy_execution_engine as sql_engine

    engine = getattr(sql_engine, "SqlAlchemyExecutionEngine", None)
    if engine is None or not callable(getattr(engine, "execute_query", None)) or not hasattr(engine, "get_connection"):
        raise GXChanged("SqlAlchemyExecutionEngine.execute_query or get_connection is gone: "
                        "the GX issue 11579 shim in tasks/gx_shims.py needs a new home")
    engine.execute_query = _fetched_execute_query
