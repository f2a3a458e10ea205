"""The project's Great Expectations file data context (gx/): the suites, a validation definition and a
checkpoint per suite, and every validation a run makes stored as a GX validation result.

gx/great_expectations.yml reads the suites where they live (expectations/<dataset>/<stage>.json is
the store's path for the suite `<dataset>.<stage>`), keeps the validation definitions and
checkpoints in gx/ (made by `sync_project`, committed) and writes validation results under
`CSP_GX_RESULTS_DIR` (the run's `$CSP_WORKDIR/gx/validations`), so each run's results sit beside
its warehouse and logs. The pipeline itself validates in-process batches (tasks/validate.py: Arrow
on GX's SQL engine, two passes); it records each suite's result here, so a data engineer sees a
suite's history in GX's Data Docs (`csp-pipeline gx docs`) or runs a checkpoint on a file by hand.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from tasks.settings import EXPECTATIONS_DIR

GX_DIR = Path(__file__).resolve().parent.parent / "gx"
RESULTS_VARIABLE = "CSP_GX_RESULTS_DIR"  # great_expectations.yml's validation results store reads it
DATASOURCE = "csp_files"  # pandas: a data engineer hands a checkpoint the file's rows as a frame
_LOCK = threading.RLock()  # GX contexts are not thread-safe: opened, and written to, one at a time


@dataclass(frozen=True)
class Recording:
    """Where this run's validation results go, and the run they belong to."""

    results_dir: Path
    run_id: str


RECORDING: contextvars.ContextVar[Recording | None] = contextvars.ContextVar("gx_recording", default=None)


@contextlib.contextmanager
def recording(results_dir: Path, run_id: str):
    """Store every suite's result validated inside this block as a GX validation result of the run."""
    token = RECORDING.set(Recording(Path(results_dir), str(run_id)))
    try:
        yield
    finally:
        RECORDING.reset(token)


_CONTEXTS: dict[Path, object] = {}
# What GX says of failing rows' values: a raw suite sees values before any pseudonym or cut-down
# postcode, so the stored results keep counts and row positions only, never values.
VALUE_KEYS = ("unexpected_list", "partial_unexpected_list", "partial_unexpected_counts", "unexpected_index_query",
              "details")


def open_project(results_dir: Path | None = None):
    """The gx/ file data context, its results store at results_dir (gx/uncommitted/validations when
    None); one per folder and process, as loading it costs a tenth of a second."""
    import great_expectations as gx

    from tasks import gx_shims

    where = (Path(results_dir) if results_dir else GX_DIR / "uncommitted" / "validations").resolve()
    with _LOCK:
        if where not in _CONTEXTS:
            gx_shims.apply()
            where.mkdir(parents=True, exist_ok=True)
            os.environ[RESULTS_VARIABLE] = str(where)  # read as the yml is loaded, just below
            context = gx.get_context(mode="file", project_root_dir=str(GX_DIR.parent))
            _CONTEXTS[where] = context
        return _CONTEXTS[where]


def suite_names() -> list[str]:
    """Every suite of expectations/, as GX names it (<dataset>.<stage>)."""
    return sorted(f"{p.parent.name}.{p.stem}" for p in EXPECTATIONS_DIR.glob("*/*.json"))


def sync_project(context=None) -> list[str]:
    """Make gx/ hold a dataframe asset, a validation definition and a checkpoint for every suite
    (and nothing for a suite that is gone); returns what it added or removed."""
    import great_expectations as gx

    context = context or open_project()
    source = next((s for s in context.data_sources.all().values() if s.name == DATASOURCE), None) \
        or context.data_sources.add_pandas(DATASOURCE)
    wanted, done = suite_names(), []
    for name in wanted:
        if name not in [a.name for a in source.assets]:
            source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("whole")
            done.append(f"asset {name}")
        if not _has(context.validation_definitions, name):
            batch = source.get_asset(name).get_batch_definition("whole")
            context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=context.suites.get(name)))
            done.append(f"validation definition {name}")
        if not _has(context.checkpoints, name):
            context.checkpoints.add(gx.Checkpoint(name=name, validation_definitions=[context.validation_definitions.get(name)],
                                                  result_format={"result_format": "COMPLETE"}))
            done.append(f"checkpoint {name}")
    for checkpoint in [c.name for c in context.checkpoints.all() if c.name not in wanted]:
        context.checkpoints.delete(checkpoint)
        done.append(f"removed checkpoint {checkpoint}")
    for definition in [d.name for d in context.validation_definitions.all() if d.name not in wanted]:
        context.validation_definitions.delete(definition)
        done.append(f"removed validation definition {definition}")
    for asset in [a.name for a in source.assets if a.name not in wanted]:
        source.delete_asset(asset)
        done.append(f"removed asset {asset}")
    return done


def _has(store, name: str) -> bool:
    """True when the context's store of definitions or checkpoints holds the name."""
    try:
        store.get(name)
    except Exception:  # noqa: BLE001  GX raises its own not-found errors, which differ by store
        return False
    return True


def record(suite: str, batch: str, results: list, parameters: dict) -> Path | None:
    """Store one suite's results on one batch as a GX validation result of the recording run (None when not recording)."""
    where = RECORDING.get()
    if where is None or not results:
        return None
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    for one in results:  # consumed already: the run's report and quarantine were made from them
        one.result = {k: v for k, v in (one.result or {}).items() if k not in VALUE_KEYS}
    failed = sum(not r.success for r in results)
    result = ExpectationSuiteValidationResult(
        success=failed == 0, results=results, suite_name=suite,
        statistics={"evaluated_expectations": len(results), "successful_expectations": len(results) - failed,
                    "unsuccessful_expectations": failed, "success_percent": 100 * (len(results) - failed) / len(results)},
        meta={"batch": batch, "expectation_parameters": parameters, "run_id": where.run_id})
    run = RunIdentifier(run_name=where.run_id, run_time=dt.datetime.now(dt.timezone.utc))
    key = ValidationResultIdentifier(ExpectationSuiteIdentifier(suite), run, _batch_id(batch))
    with _LOCK:
        store = open_project(where.results_dir).validation_results_store
        store.set(key, result)
    return where.results_dir


def _batch_id(batch: str) -> str:
    """A batch's name as a file name: GX makes a folder of each part of the key."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in batch)[:120] or "batch"


def history(results_dir: Path, suite: str) -> list[dict]:
    """The suite's stored results, oldest first: run, batch, time, success and the failed expectations
    by GX severity (critical: the file was rejected; warning: rows were held back; info: reported)."""
    store = open_project(results_dir).validation_results_store
    rows = []
    for key in store.list_keys():
        if key.expectation_suite_identifier.name != suite:
            continue
        result = store.get(key)
        failed: dict[str, int] = {}
        for one in result.results:
            if not one.success:
                severity = one.expectation_config.severity.value
                failed[severity] = failed.get(severity, 0) + 1
        rows.append({"run_id": key.run_id.run_name, "batch": result.meta.get("batch"), "time": key.run_id.run_time,
                     "success": result.success, "failed": failed})
    return sorted(rows, key=lambda r: str(r["time"]))
