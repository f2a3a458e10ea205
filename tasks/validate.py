"""Great Expectations suites, run in-process on a frame: one validation call per batch.

Suites are hand-written JSON in expectations/<dataset>/<stage>.json. Each expectation's meta
says what its failure means:
  level "file"    -> the file is rejected whole (so are expectations that raise);
  level "row"     -> the failing rows go to quarantine under meta.rule;
  level "warning" -> reported in the run's report, nothing is held back.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyarrow as pa

from tasks.settings import EXPECTATIONS_DIR

LEVELS = ("file", "row", "warning")


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
def build_suite(dataset: str, stage: str, only: tuple[int, ...] | None = None):
    """The GX ExpectationSuite for a JSON suite (or only the expectations at the given positions)."""
    import great_expectations as gx

    spec = load_suite_spec(dataset, stage)
    chosen = [
        dict(e, meta={**e["meta"], "position": i})
        for i, e in enumerate(spec["expectations"])
        if only is None or i in only
    ]
    return gx.ExpectationSuite(name=spec["name"], expectations=chosen, meta=spec.get("meta", {}))


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


def _run(frame, dataset: str, stage: str, parameters: dict, result_format: str, only: tuple[int, ...]):
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    return batch.validate(
        build_suite(dataset, stage, only),
        result_format={"result_format": result_format},
        expectation_parameters=parameters,
    )


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
        _validate(gx_frame(table.slice(0, 0)), dataset, stage, parameters or {}, shape, outcome)
    if rows:
        narrow = table.select(referenced_columns(dataset, stage, table.column_names))
        paired = frozenset(e["kwargs"][k] for e in spec["expectations"] for k in ("column_A", "column_B") if k in e["kwargs"])
        _validate(gx_frame(narrow, paired), dataset, stage, parameters or {}, rows, outcome)
    return outcome


def validate_frame(frame, dataset: str, stage: str, parameters: dict | None = None) -> SuiteOutcome:
    """Run the whole suite over a pandas frame as it is."""
    count = len(load_suite_spec(dataset, stage)["expectations"])
    outcome = SuiteOutcome(suite=f"{dataset}/{stage}")
    return _validate(frame.reset_index(drop=True), dataset, stage, parameters or {}, tuple(range(count)), outcome)


def _validate(frame, dataset: str, stage: str, parameters: dict, positions: tuple[int, ...], outcome: SuiteOutcome) -> SuiteOutcome:
    """Sort the failures of the expectations at `positions` into the outcome by level.

    The first pass asks GX for success flags only; failed expectations are run again for their
    unexpected rows and values, so a clean batch pays for no index lists.
    """
    quick = _run(frame, dataset, stage, parameters, "BOOLEAN_ONLY", positions)
    outcome.evaluated += len(quick.results)
    failed = tuple(sorted(r.expectation_config.meta["position"] for r in quick.results if not r.success))
    if not failed:
        return outcome
    detail = _run(frame, dataset, stage, parameters, "COMPLETE", failed)
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
            indices = np.asarray(res.result.get("unexpected_index_list") or [], dtype=np.int64)
            previous = outcome.row_failures.get(name)
            outcome.row_failures[name] = indices if previous is None else np.union1d(previous, indices)
        elif meta["level"] == "warning":
            if "unexpected_count" in res.result:
                values = sorted({str(v) for v in res.result.get("unexpected_list") or []})
                detail = f"{res.result['unexpected_count']} row(s), values {values[:20]}"
                if "unexpected_index_list" in res.result:
                    outcome.warning_rows[f"{name} ({where})"] = (
                        np.asarray(res.result["unexpected_index_list"], dtype=np.int64),
                        list(res.result.get("unexpected_list") or []))
            else:
                detail = _describe(res.result)
            outcome.warnings.append(f"{name} ({where}): {detail}")
        else:
            outcome.file_failures.append(f"{name} ({where}) failed: {_describe(res.result)}")
    return outcome


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
    from tasks.errors import FileRejected

    outcome = validate_table(table, dataset, stage, parameters)
    if outcome.file_failures:
        raise FileRejected(source, f"{stage} suite failed: " + "; ".join(outcome.file_failures))
    return outcome
