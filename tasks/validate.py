"""Great Expectations suites, run in-process on a batch: one validation call per batch.

Suites are hand-written JSON in expectations/<dataset>/<stage>.json. Each expectation's meta
says what its failure means:
  level "file"    -> the file is rejected whole (so are expectations that raise);
  level "row"     -> the failing rows go to quarantine under meta.rule;
  level "warning" -> reported in the run's report, nothing is held back.

Where GX runs (CSP_GX_ENGINE): "sql", the default, is GX's SQL engine over the batch's Arrow
table registered (not copied) in an in-process DuckDB: 5.5x less CPU than its pandas engine on
the police.uk rules (bench/gx_engines.py). "pandas" is GX's pandas engine on a frame. A suite
holding an expectation GX cannot run in SQL (strftime formats) runs on pandas either way. The
suites' row conditions are written for pandas (`is_asb == False`) and given to the SQL engine
as GX's own condition objects (`sql_condition`). Suites that need a row-level compound key check
(GX's SQL engine counts those rows without naming them) run on pandas. tests/expectations/test_engines.py holds both
engines to the same outcome, row for row.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyarrow as pa

from tasks.settings import EXPECTATIONS_DIR

LEVELS = ("file", "row", "warning")
# Each level is GX's own severity of the same meaning, which a suite states beside it: a failure
# that rejects the file is critical; one that holds rows back leaves a usable batch (warning);
# one that is only reported is information.
SEVERITY = {"file": "critical", "row": "warning", "warning": "info"}
ENGINE = os.environ.get("CSP_GX_ENGINE", "sql")
PANDAS_ONLY = {"expect_column_values_to_match_strftime_format"}  # GX has no SQL metric for these
# ... and its SQL engine counts these failing rows without naming them, which quarantine needs
UNNAMED_ROWS_IN_SQL = {"expect_compound_columns_to_be_unique"}
ROW = "__row"  # the batch's row positions, which the SQL engine reports failing rows by


@dataclass
class SuiteOutcome:
    """What one suite found in one batch."""

    suite: str
    evaluated: int = 0
    failed: int = 0
    file_failures: list[str] = field(default_factory=list)
    row_failures: dict[str, np.ndarray] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # For warnings about rows: "rule (where)" -> (row positions, their values), to say which file
    # of a batch each warning belongs to.
    warning_rows: dict[str, tuple[np.ndarray, list]] = field(default_factory=dict)
    results: list = field(default_factory=list)  # GX's result of each expectation, stored by tasks/gx_project

    @property
    def success(self) -> bool:
        """True when every expectation held."""
        return self.failed == 0


def suite_path(dataset: str, stage: str) -> Path:
    """expectations/<dataset>/<stage>.json."""
    return EXPECTATIONS_DIR / dataset / f"{stage}.json"


@lru_cache(maxsize=None)
def load_suite_spec(dataset: str, stage: str) -> dict:
    """The suite's JSON, checked for the meta every expectation needs."""
    spec = json.loads(suite_path(dataset, stage).read_text(encoding="utf-8"))
    for exp in spec["expectations"]:
        meta = exp.setdefault("meta", {})
        if meta.get("level") not in LEVELS:
            raise ValueError(f"{dataset}/{stage}: {exp['type']} needs meta.level in {LEVELS}")
        if exp.get("severity") != SEVERITY[meta["level"]]:
            raise ValueError(f"{dataset}/{stage}: {exp['type']} of level {meta['level']} needs severity "
                             f"{SEVERITY[meta['level']]!r}, GX's name for the same")
        if meta["level"] == "row" and not meta.get("rule"):
            raise ValueError(f"{dataset}/{stage}: row-level {exp['type']} needs meta.rule")
    return spec


@lru_cache(maxsize=1)
def _batch_definition():
    """One ephemeral GX context and whole-dataframe batch definition per process."""
    import great_expectations as gx  # costs seconds: imported only when validating

    from tasks import gx_shims

    gx_shims.apply()
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    source = context.data_sources.add_pandas("frames")
    return source.add_dataframe_asset("frame").add_batch_definition_whole_dataframe("whole")


@lru_cache(maxsize=None)
def build_suite(dataset: str, stage: str, only: tuple[int, ...] | None = None, engine: str = "pandas"):
    """The GX ExpectationSuite for a JSON suite (or only the expectations at the given positions)."""
    import great_expectations as gx

    spec = load_suite_spec(dataset, stage)
    chosen = [
        dict(e, meta={**e["meta"], "position": i}, kwargs=for_engine(e["kwargs"], engine))
        for i, e in enumerate(spec["expectations"])
        if only is None or i in only
    ]
    return gx.ExpectationSuite(name=spec["name"], expectations=chosen, meta=spec.get("meta", {}))


def for_engine(kwargs: dict, engine: str) -> dict:
    """An expectation's arguments for the engine: on SQL, a pandas row condition becomes GX's condition object."""
    if engine != "sql" or not kwargs.get("row_condition"):
        return kwargs
    kept = {k: v for k, v in kwargs.items() if k not in ("row_condition", "condition_parser")}
    return {**kept, "row_condition": sql_condition(kwargs["row_condition"])}


CONDITION_TERM = re.compile(r"""^\s*(`[^`]+`|\w+)\s*(?:(==|!=|>=|<=|>|<)\s*(".*?"|'.*?'|True|False|-?\d+(?:\.\d+)?)|\.(isnull|notnull)\(\))\s*$""")


def sql_condition(text: str):
    """A suite's pandas row condition (terms joined by `and`: a column compared with a literal, or
    `.isnull()`) as GX's condition object, which its SQL engine evaluates."""
    from great_expectations.expectations.row_conditions import Column

    condition = None
    for term in re.split(r"\s+and\s+", text):
        match = CONDITION_TERM.match(term)
        if match is None:
            raise ValueError(f"row condition {text!r}: {term!r} is not `column op literal` or `column.isnull()`")
        column, op, literal, nullity = match.groups()
        col = Column(column.strip("`"))
        if nullity:
            part = col.is_null() if nullity == "isnull" else col.is_not_null()
        else:
            value = {"True": True, "False": False}.get(literal)
            if value is None:
                value = literal[1:-1] if literal[0] in "\"'" else float(literal) if "." in literal else int(literal)
            part = {"==": col.__eq__, "!=": col.__ne__, ">": col.__gt__, "<": col.__lt__,
                    ">=": col.__ge__, "<=": col.__le__}[op](value)
        condition = part if condition is None else condition & part
    return condition


def engine_for(dataset: str, stage: str) -> str:
    """The engine the suite runs on: CSP_GX_ENGINE, unless the suite holds an expectation only pandas runs
    (or one whose failing rows only pandas names, at a level that quarantines or reports rows)."""
    expectations = load_suite_spec(dataset, stage)["expectations"]
    pandas_only = any(e["type"] in PANDAS_ONLY or (e["type"] in UNNAMED_ROWS_IN_SQL and e["meta"]["level"] != "file")
                      for e in expectations)
    return "pandas" if pandas_only else ENGINE


_SQL_LOCK = threading.Lock()  # one registered batch per process's connection at a time


@lru_cache(maxsize=1)
def _sql_batch_definition():
    """One GX SQL data source per process over one in-process DuckDB connection, on which each
    batch is registered as the table `batch` (Arrow, zero-copy)."""
    import duckdb
    import great_expectations as gx
    from duckdb_engine import ConnectionWrapper
    from sqlalchemy.pool import StaticPool

    from tasks import gx_shims

    gx_shims.apply_sql()
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    # one thread: the batches of a run are prepared on every core already, a process each
    connection = duckdb.connect(config={"threads": 1})
    connection.register("batch", pa.table({ROW: pa.array([], pa.int64())}))  # the asset's test query needs one
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    source = context.data_sources.add_sql(
        "batches", connection_string="duckdb:///:memory:",
        kwargs={"poolclass": StaticPool, "creator": lambda: ConnectionWrapper(connection)})
    return connection, source.add_table_asset("batch", table_name="batch").add_batch_definition_whole_table("whole")


def gx_frame(table: pa.Table, plain: frozenset[str] = frozenset()):
    """Arrow -> pandas for GX, with repetitive text as categoricals.

    GX filters the whole frame for every row condition and null check; categorical columns make
    those takes cheap (measured: 5x faster than Arrow-backed strings). Near-unique text (ids)
    stays Arrow-backed, where regex checks run vectorised; so do `plain` columns, which GX
    compares with each other (categoricals of different categories cannot be compared).
    """
    import pyarrow.compute as pc

    columns = {}
    for name, column in zip(table.column_names, table.columns):
        if pa.types.is_string(column.type) and name not in plain:
            encoded = pc.dictionary_encode(column).combine_chunks()
            if len(encoded.dictionary) * 2 <= max(len(column), 1):
                column = encoded
        columns[name] = column
    return pa.table(columns).to_pandas()


# Expectations about the table's shape: run on a zero-row frame with every column.
SHAPE_EXPECTATIONS = {
    "expect_table_columns_to_match_ordered_list", "expect_table_columns_to_match_set",
    "expect_table_column_count_to_equal", "expect_column_to_exist",
}


def referenced_columns(dataset: str, stage: str, columns: list[str]) -> list[str]:
    """Columns the suite's row expectations read, including those named in row conditions."""
    used = set()
    for exp in load_suite_spec(dataset, stage)["expectations"]:
        kw = exp["kwargs"]
        used.update(c for c in [kw.get("column"), kw.get("column_A"), kw.get("column_B")] if c)
        used.update(kw.get("column_list") or [] if exp["type"] not in SHAPE_EXPECTATIONS else [])
        condition = kw.get("row_condition") or ""
        used.update(c for c in columns if re.search(rf"(?<![\w`]){re.escape(c)}(?![\w`])|`{re.escape(c)}`", condition))
    return [c for c in columns if c in used]


def validate_table(table: pa.Table, dataset: str, stage: str, parameters: dict | None = None) -> SuiteOutcome:
    """Validate an Arrow table: shape expectations on its empty schema, the rest on the columns they read."""
    spec = load_suite_spec(dataset, stage)
    shape = tuple(i for i, e in enumerate(spec["expectations"]) if e["type"] in SHAPE_EXPECTATIONS)
    rows = tuple(i for i, e in enumerate(spec["expectations"]) if e["type"] not in SHAPE_EXPECTATIONS)
    outcome = SuiteOutcome(suite=f"{dataset}/{stage}")
    if shape:
        _validate(_frame_runner(gx_frame(table.slice(0, 0)), dataset, stage, parameters or {}), shape, outcome)
    if rows:
        narrow = table.select(referenced_columns(dataset, stage, table.column_names))
        if engine_for(dataset, stage) == "sql":
            narrow = narrow.append_column(ROW, pa.array(np.arange(narrow.num_rows, dtype=np.int64)))
            connection, definition = _sql_batch_definition()
            with _SQL_LOCK:
                connection.register("batch", narrow)
                try:
                    run = _runner(definition.get_batch(), dataset, stage, parameters or {}, "sql")
                    _validate(run, rows, outcome)
                finally:
                    connection.unregister("batch")
                    connection.register("batch", narrow.slice(0, 0))
            return outcome
        paired = frozenset(e["kwargs"][k] for e in spec["expectations"] for k in ("column_A", "column_B") if k in e["kwargs"])
        _validate(_frame_runner(gx_frame(narrow, paired), dataset, stage, parameters or {}), rows, outcome)
    return outcome


def validate_frame(frame, dataset: str, stage: str, parameters: dict | None = None) -> SuiteOutcome:
    """Run the whole suite over a pandas frame as it is."""
    count = len(load_suite_spec(dataset, stage)["expectations"])
    outcome = SuiteOutcome(suite=f"{dataset}/{stage}")
    return _validate(_frame_runner(frame.reset_index(drop=True), dataset, stage, parameters or {}), tuple(range(count)), outcome)


def _frame_runner(frame, dataset: str, stage: str, parameters: dict):
    """Validation of a pandas frame on GX's pandas engine."""
    return _runner(_batch_definition().get_batch(batch_parameters={"dataframe": frame}), dataset, stage, parameters, "pandas")


def _runner(batch, dataset: str, stage: str, parameters: dict, engine: str):
    """(result format, positions) -> the batch's validation by the chosen expectations."""
    extra = {"unexpected_index_column_names": [ROW]} if engine == "sql" else {}

    def run(result_format: str, only: tuple[int, ...]):
        return batch.validate(build_suite(dataset, stage, only, engine),
                              result_format={"result_format": result_format, **extra},
                              expectation_parameters=parameters)
    return run


def _validate(run, positions: tuple[int, ...], outcome: SuiteOutcome) -> SuiteOutcome:
    """Sort the failures of the expectations at `positions` into the outcome by level.

    The first pass asks GX for success flags only; failed expectations are run again for their
    unexpected rows and values, so a clean batch pays for no index lists.
    """
    quick = run("BOOLEAN_ONLY", positions)
    outcome.evaluated += len(quick.results)
    failed = tuple(sorted(r.expectation_config.meta["position"] for r in quick.results if not r.success))
    if not failed:
        outcome.results += quick.results
        return outcome
    detail = run("COMPLETE", failed)
    outcome.results += [r for r in quick.results if r.success] + list(detail.results)
    for res in detail.results:
        if res.success:
            continue
        outcome.failed += 1
        config = res.expectation_config
        meta = config.meta or {}
        name = meta.get("rule") or config.type
        where = f"column {config.kwargs['column']!r}" if config.kwargs.get("column") else "table"
        if res.exception_info and res.exception_info.get("raised_exception"):
            msg = res.exception_info.get("exception_message")
            outcome.file_failures.append(f"{name} ({where}) could not be evaluated: {msg}")
        elif meta["level"] == "row":
            indices = row_positions(res.result)
            previous = outcome.row_failures.get(name)
            outcome.row_failures[name] = indices if previous is None else np.union1d(previous, indices)
        elif meta["level"] == "warning":
            if "unexpected_count" in res.result:
                values = sorted({str(v) for v in res.result.get("unexpected_list") or []})
                detail = f"{res.result['unexpected_count']} row(s), values {values[:20]}"
                if "unexpected_index_list" in res.result:
                    outcome.warning_rows[f"{name} ({where})"] = (
                        row_positions(res.result), list(res.result.get("unexpected_list") or []))
            else:
                detail = _describe(res.result)
            outcome.warnings.append(f"{name} ({where}): {detail}")
        else:
            outcome.file_failures.append(f"{name} ({where}) failed: {_describe(res.result)}")
    return outcome


def row_positions(result: dict) -> np.ndarray:
    """The failing rows' positions: pandas gives them, SQL gives each row's `__row`."""
    found = result.get("unexpected_index_list") or []
    return np.asarray([i[ROW] if isinstance(i, dict) else i for i in found], dtype=np.int64)


def _describe(result: dict) -> str:
    """A short account of a failed file-level expectation."""
    if "observed_value" in result:
        return f"observed {result['observed_value']!r}"
    count = result.get("unexpected_count")
    sample = result.get("partial_unexpected_list", [])[:5]
    return f"{count} unexpected value(s), e.g. {sample}"


def split_rows(table: pa.Table, row_failures: dict[str, np.ndarray]) -> tuple[pa.Table, pa.Table]:
    """Good rows, and bad rows with a `rule` column naming every rule each broke (';'-joined)."""
    n = table.num_rows
    bad = np.zeros(n, dtype=bool)
    for indices in row_failures.values():
        bad[indices] = True
    if not bad.any():
        return table, table.slice(0, 0).append_column("rule", pa.array([], pa.string()))
    bad_idx = np.flatnonzero(bad)
    rules = {i: [] for i in bad_idx.tolist()}
    for name in sorted(row_failures):
        for i in row_failures[name].tolist():
            rules[i].append(name)
    quarantined = table.take(pa.array(bad_idx)).append_column(
        "rule", pa.array([";".join(rules[i]) for i in bad_idx.tolist()], pa.string())
    )
    return table.filter(pa.array(~bad)), quarantined


def warnings_by_file(outcome: SuiteOutcome, row_file: np.ndarray, files: int) -> list[list[str]] | None:
    """A batch's row warnings split by the file each row came from (row_file[i] = file of row i),
    worded as a check of that file alone would; None when a warning names no rows."""
    if len(outcome.warning_rows) != len(outcome.warnings):
        return None
    per_file: list[list[str]] = [[] for _ in range(files)]
    for key, (rows, values) in outcome.warning_rows.items():
        owner = row_file[rows]
        for i in np.unique(owner).tolist():
            mine = owner == i
            shown = sorted({str(v) for v, m in zip(values, mine) if m})
            per_file[i].append(f"{key}: {int(mine.sum())} row(s), values {shown[:20]}")
    return per_file


def rule_counts(quarantined: pa.Table) -> dict[str, int]:
    """Quarantined rows per rule (a row that broke two rules counts under each)."""
    counts: dict[str, int] = {}
    for joined in quarantined.column("rule").to_pylist():
        for name in joined.split(";"):
            counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items()))


def check_or_reject(table: pa.Table, dataset: str, stage: str, parameters: dict, source: str) -> SuiteOutcome:
    """Run a suite whose every file-level failure rejects the file (a curated suite)."""
    from tasks import gx_project
    from tasks.errors import FileRejected

    outcome = validate_table(table, dataset, stage, parameters)
    gx_project.record(f"{dataset}.{stage}", source, outcome.results, parameters)
    outcome.results = []  # stored: the outcome travels on without them (from a Dask worker, say)
    if outcome.file_failures:
        raise FileRejected(source, f"{stage} suite failed: " + "; ".join(outcome.file_failures))
    return outcome
