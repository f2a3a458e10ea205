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

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    source = context.data_sources.add_pandas("frames")
    return source.add_dataframe_asset("frame").add_batch_definition_whole_dataframe("whole")


@lru_cache(maxsize=None)
def build_suite(dataset: str, stage: str):
    """The GX ExpectationSuite object for a JSON suite."""
    import great_expectations as gx

    spec = load_suite_spec(dataset, stage)
    return gx.ExpectationSuite(
        name=spec["name"], expectations=[dict(e) for e in spec["expectations"]], meta=spec.get("meta", {})
    )


def validate_frame(frame, dataset: str, stage: str, parameters: dict | None = None) -> SuiteOutcome:
    """Run the suite once over the frame and sort its failures by level."""
    frame = frame.reset_index(drop=True)
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(
        build_suite(dataset, stage),
        result_format={"result_format": "COMPLETE"},
        expectation_parameters=parameters or {},
    )
    outcome = SuiteOutcome(suite=f"{dataset}/{stage}")
    for res in result.results:
        outcome.evaluated += 1
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
            values = sorted({str(v) for v in res.result.get("unexpected_list") or []})
            count = res.result.get("unexpected_count")
            outcome.warnings.append(f"{name} ({where}): {count} row(s), values {values[:20]}")
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


def rule_counts(quarantined: pa.Table) -> dict[str, int]:
    """Quarantined rows per rule (a row that broke two rules counts under each)."""
    counts: dict[str, int] = {}
    for joined in quarantined.column("rule").to_pylist():
        for name in joined.split(";"):
            counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items()))
