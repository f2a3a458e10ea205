"""Every change this project makes to Great Expectations' behaviour, in one place, each checked
against the GX installed so that an upgrade that moves it fails loudly instead of going quiet.

- `HASH_THRESHOLD` (private, great_expectations.execution_engine.pandas_execution_engine): GX
  fingerprints every in-memory pandas batch smaller than this (hash_pandas_dataframe, then md5)
  for batch markers nobody here reads; it was 90% of a validation (0.2 s per 170k rows). 0 turns
  it off. tests/unit/test_gx_shims.py proves the fingerprint is no longer taken.
- `SqlAlchemyExecutionEngine.execute_query` (GX issue 11579): GX closes the connection before the
  caller fetches, so DuckDB returns no rows and every metric fails with IndexError. The shim
  returns the rows already fetched (`freeze()`). Applied by `apply_sql()`, for validation in SQL
  over DuckDB (bench/gx_engines.py: 0.38 CPU-s per 1M rows against 2.10 on the pandas engine).
- `get_dialect_regex_expression` (great_expectations.expectations.metrics.util, imported by name
  into each regex metric): it knows no DuckDB, so every regex expectation raised "Regex is not
  supported for dialect duckdb". The shim answers for DuckDB with `regexp_matches`, which, like
  PostgreSQL's `~` and pandas' `str.contains`, finds the pattern anywhere unless it is anchored.
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
    """Let GX's SQL engine validate DuckDB tables: fetched rows (GX issue 11579) and regex; idempotent."""
    apply_sql_fetch()
    apply_sql_regex()


def apply_sql_fetch() -> None:
    """GX issue 11579: the SQL engine's queries return their rows fetched, so DuckDB's reach GX's metrics."""
    apply()
    from great_expectations.execution_engine import sqlalchemy_execution_engine as sql_engine

    engine = getattr(sql_engine, "SqlAlchemyExecutionEngine", None)
    if engine is None or not callable(getattr(engine, "execute_query", None)) or not hasattr(engine, "get_connection"):
        raise GXChanged("SqlAlchemyExecutionEngine.execute_query or get_connection is gone: "
                        "the GX issue 11579 shim in tasks/gx_shims.py needs a new home")
    engine.execute_query = _fetched_execute_query


REGEX_METRICS = [  # the modules that import get_dialect_regex_expression by name
    "great_expectations.expectations.metrics.column_map_metrics.column_values_match_regex",
    "great_expectations.expectations.metrics.column_map_metrics.column_values_not_match_regex",
    "great_expectations.expectations.metrics.column_map_metrics.column_values_match_regex_list",
    "great_expectations.expectations.metrics.column_map_metrics.column_values_not_match_regex_list",
]


def _duckdb_regex(original):
    """GX's dialect regex expression, answering for DuckDB too."""
    def regex_expression(column, regex, dialect, positive: bool = True):
        if getattr(getattr(dialect, "dialect", dialect), "name", None) == "duckdb":
            import sqlalchemy as sa

            matches = sa.func.regexp_matches(column, sa.literal(regex))
            return matches if positive else sa.not_(matches)
        return original(column, regex, dialect, positive)
    regex_expression.shimmed = True
    return regex_expression


def apply_sql_regex() -> None:
    """Let GX's regex expectations run on DuckDB (idempotent)."""
    import importlib

    for name in REGEX_METRICS:
        module = importlib.import_module(name)
        original = getattr(module, "get_dialect_regex_expression", None)
        if original is None:
            raise GXChanged(f"{name} no longer imports get_dialect_regex_expression: the DuckDB regex shim "
                            "in tasks/gx_shims.py needs a new home")
        if not getattr(original, "shimmed", False):
            module.get_dialect_regex_expression = _duckdb_regex(original)
