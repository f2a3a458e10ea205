"""The one runner: every feed's files through the same stages, from its contract (tasks/feed.py).

A batch of files (one file, or a month's small files of a monthly feed) is one Prefect task named
for what it holds, the unit a person retries and watches; its stages are plain calls inside it.
Preparing a batch returns each file's outcome and the warehouse loads that publish it; the
batches are published in order, each in one transaction, while the next batch is prepared.
"""

from __future__ import annotations

import contextvars
import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from prefect import get_run_logger, task

from flows.common import finish, finish_feed, settings_for, start_feed_run
from flows.limits import warehouse_writes
from flows.runners import spreads_work, task_runner_name
from tasks import gx_project, landing, stages
from tasks.errors import FileRejected, SourceError
from tasks.feed import LOAD_ID, Context, FeedContract, Part, Target, Unit, load_id
from tasks.load_log import FileOutcome, loaded_hashes
from tasks.progress import IngestProgress
from tasks.publish import PartitionLoad, split_partitions
from tasks.report import FeedReport
from tasks.runs import Run, release_memory
from tasks.settings import Settings
from tasks.shared_once import SharedOnce
from tasks.validate import SuiteOutcome, rule_counts, warnings_by_file
from warehouse.engine import open_engine

BATCH_FILE = "_batch_file"


@dataclass(frozen=True)
class Prepared:
    """One part of a file after its stages: its load-log row, and the loads that publish it (none
    when it was rejected, which is logged already, or unchanged)."""

    outcome: FileOutcome
    loads: tuple[PartitionLoad, ...] = ()
    tables: dict[str, pa.Table] | None = None  # the conformed rows, kept for a feed that combines its files


@dataclass
class ReadPart:
    """A part landed and read, waiting for its suites."""

    unit: Unit
    ctx: Context
    started: FileOutcome  # the outcome so far: who, where, rows in


def run_feed(contract: FeedContract, source: str | Callable[[Settings], str], parameters: dict,
             workdir: str | None, lake_dir: str | None, warehouse_url: str | None,
             rebuild_marts: bool = True, incremental: bool = False) -> dict:
    """A feed flow's body: the feed loaded while holding a slot of the warehouse-writes limit."""
    with warehouse_writes(settings_for(workdir, lake_dir, warehouse_url)):
        return load_feed(contract, source, parameters, workdir, lake_dir, warehouse_url, rebuild_marts, incremental)


def load_feed(contract: FeedContract, source: str | Callable[[Settings], str], parameters: dict,
              workdir: str | None, lake_dir: str | None, warehouse_url: str | None,
              rebuild_marts: bool = True, incremental: bool = False) -> dict:
    """Find the files, load them all, rebuild the feed's marts, report.

    `source` may be a function of the settings (a download, say), run once the run has started.
    """
    settings, run, report = start_feed_run(contract.name, workdir, lake_dir, warehouse_url)
    try:
        source = source(settings) if callable(source) else source
        units = [replace(u, ordinal=i, source_root=str(source))
                 for i, u in enumerate(find_units(contract, source, parameters, settings))]
        if not units:
            raise SourceError(f"no {contract.expects} in {source}")
        report.notes += [note for unit in units for note in unit.notes]
        extras = contract.context(settings, units, parameters)
    except (SourceError, FileNotFoundError, LookupError) as exc:
        report.error = str(exc)
        return finish(report, settings, source=None if callable(source) else str(source))
    get_run_logger().info("%s: %d file(s) in %s, prepared on the %s", contract.name, len(units), source, task_runner_name())
    with gx_project.recording(settings.gx_results, run.id):
        load_units(contract, units, extras, settings, run, report, incremental)
    return finish_feed(report, settings, rebuild_marts)


@task(name="find-sources", task_run_name="find {contract.name} files", **stages.IO_RETRIES)
def find_units(contract: FeedContract, source: str, parameters: dict, settings: Settings) -> list[Unit]:
    """The feed's files in the source, in the order they load."""
    return contract.find(source, parameters, settings)


def rejected(settings: Settings, outcome: FileOutcome, exc: Exception) -> Prepared:
    """A file or part rejected before publishing: logged now, with its reason; it has no loads."""
    outcome = replace(outcome, message=getattr(exc, "reason", str(exc)))
    stages.log_rejection.fn(settings, outcome)
    return Prepared(outcome)


def land_and_read(contract: FeedContract, unit: Unit, extras: dict, settings: Settings, run: Run,
                  loaded: dict | None) -> tuple[list[Prepared], list[ReadPart]]:
    """Land a file and read its parts; a Prepared instead when it is unchanged or was rejected.

    With `loaded` (the hash of each partition's latest load), a file whose hash is the one its
    partition already holds stops after landing, with status "unchanged".
    """
    log_name = unit.log_name or contract.name
    outcome = FileOutcome(run.id, log_name, unit.period, unit.partition_key, unit.file.name,
                          load_id=load_id(run.number, unit), source_root=unit.source_root)
    try:
        landed = stages.land_file.fn(unit.file, log_name, unit.period or "tables", settings, run.id)
        outcome = replace(outcome, source_sha256=landed.sha256)
        if loaded is not None and loaded.get((unit.period, unit.partition_key)) == landed.sha256:
            return [Prepared(replace(outcome, status="unchanged"))], []
        parts = contract.read(landed.path, landed.source_name, unit)
    except (FileRejected, SourceError) as exc:
        return [rejected(settings, outcome, exc)], []
    reads = []
    for i, part in enumerate(parts):
        started = replace(outcome, period=part.period or unit.period, partition_key=part.partition_key or unit.partition_key,
                          rows_in=part.rows.num_rows + (part.faults.num_rows if part.faults is not None else 0),
                          load_id=load_id(run.number, unit, i))
        reads.append(ReadPart(unit, Context(unit, part, landed.sha256, started.load_id, unit.file.name, extras), started))
    return [], reads


def checked_alone(contract: FeedContract, read: ReadPart, settings: Settings) -> Prepared:
    """One part through the raw suite, conform and the curated suite, then to the lake."""
    try:
        good, bad, raw = contract.check_raw(read.ctx.part.rows, read.ctx)
        read.ctx = replace(read.ctx, part=replace(read.ctx.part, rows=pa.table({})))  # free the raw rows
        tables = contract.conform(good, read.ctx)
        del good
        curated = contract.check_curated(tables, read.ctx)
        return to_lake(contract, read, tables, bad, [raw], curated, settings)
    except (FileRejected, SourceError) as exc:
        return rejected(settings, read.started, exc)


def checked_together(contract: FeedContract, reads: list[ReadPart], settings: Settings) -> list[Prepared] | None:
    """Several files of one month through each suite in one call: GX costs 0.2-0.3 s a call
    whatever the rows, which dominates small files (a national archive's City of London has 300
    rows). None when the batch met a rejection or a warning about no particular rows, so each
    file is checked alone and the report says which file it was."""
    first = reads[0].ctx
    label = f"{len(reads)} files of {first.unit.period}"
    batch = pa.concat_tables([r.ctx.part.rows.append_column(BATCH_FILE, pa.array(np.full(r.ctx.part.rows.num_rows, i, np.int32)))
                              for i, r in enumerate(reads)])
    together = replace(first, source=label, part=Part(batch))
    try:
        good, bad, raw = contract.check_raw(batch, together)
        raw_warnings = warnings_by_file(raw, batch[BATCH_FILE].to_numpy(), len(reads))
        tables = [contract.conform(rows_of(good, i), r.ctx) for i, r in enumerate(reads)]
        (table,) = {t for ts in tables for t in ts}  # batching is for feeds with one fact table (tasks/feed.py)
        (cur,) = contract.check_curated({table: pa.concat_tables([ts[table] for ts in tables])}, together)
        owners = np.repeat(np.arange(len(reads)), [ts[table].num_rows for ts in tables])
        cur_warnings = warnings_by_file(cur, owners, len(reads))
    except FileRejected:
        return None
    if raw_warnings is None or cur_warnings is None:
        return None
    prepared = []
    for i, read in enumerate(reads):
        held = rows_of(bad, i)
        raw_i = SuiteOutcome(raw.suite, failed=int(held.num_rows > 0 or bool(raw_warnings[i])), warnings=raw_warnings[i])
        cur_i = SuiteOutcome(cur.suite, failed=int(bool(cur_warnings[i])), warnings=cur_warnings[i])
        prepared.append(to_lake(contract, read, tables[i], held, [raw_i], [cur_i], settings))
    return prepared


def rows_of(batch: pa.Table, i: int) -> pa.Table:
    """The batch's rows from its i-th file, without the batch column."""
    return batch.filter(pc.equal(batch[BATCH_FILE], i)).drop_columns([BATCH_FILE])


def with_faults(bad: pa.Table, faults: pa.Table | None, keep_text: bool) -> pa.Table:
    """The raw suite's held-back rows and the reader's faulty rows as one table: a faulty row has
    no values, only its data row number, rule and (unless the file carries personal data) its text."""
    if faults is None:
        return bad
    bad = bad.append_column("raw_text", pa.nulls(bad.num_rows, pa.string()))
    if faults.num_rows == 0:
        return bad
    columns = {f.name: pa.nulls(faults.num_rows, f.type) for f in bad.schema}
    columns |= {"source_row": faults["source_row"], "rule": faults["rule"]}
    if keep_text:
        columns["raw_text"] = faults["raw_text"]
    return pa.concat_tables([bad, pa.table(columns, schema=bad.schema)])


def to_lake(contract: FeedContract, read: ReadPart, tables: dict[str, pa.Table], bad: pa.Table,
            raw: list[SuiteOutcome], curated: list[SuiteOutcome], settings: Settings) -> Prepared:
    """The part's quarantine, its outcome and its staged lake files: the loads that publish it."""
    ctx = read.ctx
    quarantined = contract.quarantine(with_faults(bad, ctx.part.faults, contract.keeps_raw_text), ctx)
    first = next(iter(tables.values()))  # the rows the load log counts: responses, not the issues they name
    tables = {**tables, contract.quarantine_target.table: quarantined}
    outcome = replace(
        read.started,
        rows_curated=first.num_rows, rows_quarantined=quarantined.num_rows,
        raw_suite_success=all(r.success for r in raw), curated_suite_success=all(r.success for r in curated),
        warnings=[w for r in raw + curated for w in r.warnings],
        quarantine_by_rule=rule_counts(quarantined),
        message=contract.describe(tables) if contract.describe else None,
    )
    if contract.period:
        outcome = replace(outcome, period=contract.period(tables))
    claims = contract.partitions(ctx, tables) if contract.partitions else {}
    loads = []
    for target in (t for t in contract.targets if t.table in tables):
        default = [dict(zip(target.key, ctx.unit.keys))] if len(ctx.unit.keys) == len(target.key) else []
        loads += partition_loads(target, tables[target.table], claims.get(target.table, default), ctx.load_id, settings)
    return Prepared(outcome, tuple(loads), tables if contract.combine else None)


def partition_loads(target: Target, rows: pa.Table, claimed: list[dict], load: int,
                    settings: Settings) -> list[PartitionLoad]:
    """The target's rows, each carrying its load id, as a staged lake file and a load per partition:
    each partition the part claims (emptied when it holds none of its rows) and each its rows name."""
    rows = rows.append_column(LOAD_ID, pa.array(np.full(rows.num_rows, load, np.int64)))
    if not target.key:
        parts = [({}, rows)]
    elif len(claimed) == 1 and (rows.num_rows == 0 or rows_name_only(rows, claimed[0])):
        parts = [(claimed[0], rows)]  # the usual case, one file one partition: no need to split
    else:
        found = split_partitions(rows, list(target.key))
        named = {tuple(k.values()) for k, _ in found}
        parts = found + [(k, rows.slice(0, 0)) for k in claimed if tuple(k[c] for c in target.key) not in named]
    columns = target.columns or rows.schema.names
    loads = []
    for where, part_rows in parts:
        staged = stages.write_lake.fn(part_rows, settings, target.zone, target.dataset, target.folders(where), target.key)
        loads.append(PartitionLoad(target.table, columns, part_rows.num_rows, where, parquet=staged))
    return loads


def rows_name_only(rows: pa.Table, where: dict) -> bool:
    """True when every row's key columns hold the partition's values."""
    for column, value in where.items():
        values = pc.unique(rows[column])
        if len(values) != 1 or values[0].as_py() != value:
            return False
    return True


def prepare_batch(contract: FeedContract, units: list[Unit], extras: dict, settings: Settings, run: Run,
                  loaded: dict | None = None) -> list[tuple[Unit, list[Prepared]]]:
    """Files (one, mostly; a month's small files of a monthly feed) through every stage up to the
    lake: each file's parts, prepared. A rejected file is logged (no loads) and leaves earlier loads untouched."""
    if isinstance(extras, SharedOnce):
        extras = extras.value
    with gx_project.recording(settings.gx_results, run.id):  # here too: on a Dask worker, the run's context is not
        return checked_batch(contract, units, extras, settings, run, loaded)


def checked_batch(contract: FeedContract, units: list[Unit], extras: dict, settings: Settings, run: Run,
                  loaded: dict | None) -> list[tuple[Unit, list[Prepared]]]:
    """prepare_batch's work: land and read each file, then its suites, conform and lake writes."""
    done: dict[int, list[Prepared]] = {}
    reads: list[ReadPart] = []
    for unit in units:
        finished, parts = land_and_read(contract, unit, extras, settings, run, loaded)
        done[id(unit)] = finished
        reads += parts
    one_part_each = len(reads) == len({id(r.unit) for r in reads})
    together = checked_together(contract, reads, settings) if contract.batch_bytes and len(reads) > 1 and one_part_each else None
    for i, read in enumerate(reads):
        done[id(read.unit)].append(together[i] if together is not None else checked_alone(contract, read, settings))
    return [(unit, done[id(unit)]) for unit in units]


def batch_name(parameters: dict) -> str:
    """The batch task's run name: its feed, period, force and files, e.g.
    `police_uk_street 2020-03 43 forces (43 files)` or `itk 2020-01-31 (1 file)`."""
    contract, units = parameters["contract"], parameters["units"]
    periods = "/".join(sorted({u.period for u in units if u.period}))
    forces = sorted({u.force for u in units if u.force})
    where = forces[0] if len(forces) == 1 else f"{len(forces)} forces" if forces else ""
    label = " ".join(w for w in (contract.name, periods or units[0].file.name.split("!")[-1].rsplit("/", 1)[-1], where) if w)
    return f"{label} ({len(units)} file{'s' if len(units) != 1 else ''})"


# Retried whole on a transient I/O failure (a lost connection, a full disk freed): landing and the
# lake are keyed by content, so a retry repeats work but never duplicates it.
prepare_files = task(prepare_batch, name="prepare-files", task_run_name=batch_name, **stages.IO_RETRIES)


def batches(contract: FeedContract, units: list[Unit]) -> list[list[Unit]]:
    """One file a batch; for a batching feed, a period's files (any force) up to its batch_bytes of
    CSV, a bigger file alone; for a combining feed, all of them."""
    if contract.combine:
        return [list(units)]
    if not contract.batch_bytes:
        return [[u] for u in units]
    out: list[list[Unit]] = []
    size = 0
    for unit in sorted(units, key=lambda u: (u.period, u.force or "")):
        if out and out[-1][0].period == unit.period and size + unit.file.size <= contract.batch_bytes:
            out[-1].append(unit)
            size += unit.file.size
        else:
            out.append([unit])
            size = unit.file.size
    return out


def unchanged_units(contract: FeedContract, units: list[Unit], settings: Settings,
                    loaded: dict) -> tuple[list[Unit], list[Unit]]:
    """(files to process, files skipped): a file is skipped, unread, when its signature (zip
    member CRC or file size and mtime) was landed before with the hash its partition holds."""
    known = landing.known_signatures(settings.landing, contract.name)
    todo, skipped = [], []
    for unit in units:
        sha = known.get(unit.file.signature)
        same = sha is not None and loaded.get((unit.period, unit.partition_key)) == sha
        (skipped if same else todo).append(unit)
    return todo, skipped


def prepared_in_order(contract: FeedContract, units: list[Unit], extras: dict, settings: Settings, run: Run,
                      loaded: dict | None) -> Iterator[list[tuple[Unit, list[Prepared]]]]:
    """Each batch prepared by one task, in order. In the flow's process the batches run in turn; on
    a distributed runner a window of batches is prepared at once (two per worker process), the
    stages' reference tables sent to each worker once."""
    todo = batches(contract, units)
    if not spreads_work():
        for batch in todo:
            yield prepare_files(contract, batch, extras, settings, run, loaded)
        return
    window = 2 * (os.cpu_count() or 2)
    futures = deque()
    shared = SharedOnce(extras, settings.landing / "_shared")
    for batch in todo:
        futures.append(prepare_files.submit(contract, batch, shared, settings, run, loaded))
        if len(futures) >= window:
            yield futures.popleft().result()
    while futures:
        yield futures.popleft().result()


def load_units(contract: FeedContract, units: list[Unit], extras: dict, settings: Settings,
               run: Run, report: FeedReport, incremental: bool = False) -> None:
    """Every batch prepared, then published in one transaction while the next batch is prepared.

    Incremental runs process only new or changed files: unchanged ones are recognised by signature
    without being read, or by hash after landing, and counted in the report, not the load log.
    Publishing stays in the flow's process, in file order, whatever the task runner.
    """
    logger = get_run_logger()
    loaded = None
    if incremental:
        loaded = loaded_hashes(open_engine(settings.warehouse), contract.name)
        units, skipped = unchanged_units(contract, units, settings, loaded)
        report.unchanged += len(skipped)
        logger.info("%s: %d file(s) unchanged since their last load, %d to process", contract.name, len(skipped), len(units))
    progress = IngestProgress(contract.name, len(units), sum(u.file.size for u in units), logger)
    pending = None
    # The loads hold the warehouse lock and run in this process: a runner that sends tasks to other
    # processes gets a local thread for them instead.
    local = ThreadPoolExecutor(max_workers=1) if spreads_work() else None
    try:
        for batch in prepared_in_order(contract, units, extras, settings, run, loaded):
            release_memory()
            outcomes, loads = [], []
            for unit, prepared in batch:
                for p in prepared:
                    if p.outcome.status == "unchanged":
                        report.unchanged += 1
                        continue
                    report.files.append(p.outcome)
                    if p.loads:
                        outcomes.append(p.outcome)
                        loads += p.loads
                    o = p.outcome
                    logger.info("%s %s: %s rows in, %s curated, %s quarantined %s", Path(unit.file.name).name,
                                o.period or "", o.rows_in, o.rows_curated, o.rows_quarantined, o.message or "")
                progress.advance(sum(p.outcome.rows_in or 0 for p in prepared), unit.file.size)
            if contract.combine:
                loads = combined_loads(contract, batch, extras, settings, report, outcomes)
            await_load(pending, settings)
            pending = (publish_in_background(contract, settings, loads, outcomes, local), outcomes, loads) if loads else None
        await_load(pending, settings)
    finally:
        progress.close()
        if local is not None:
            local.shutdown()


def combined_loads(contract: FeedContract, batch: list[tuple[Unit, list[Prepared]]], extras: dict, settings: Settings,
                   report: FeedReport, outcomes: list[FileOutcome]) -> list[PartitionLoad]:
    """A combining feed's loads: none unless every file was prepared; then the files' own loads and
    the tables made of them all, checked by their suite. A rejection is the run's error."""
    from tasks import lake

    prepared = [p for _, ps in batch for p in ps]
    own = [load for p in prepared for load in p.loads]
    if any(not p.loads for p in prepared):
        for load in own:
            lake.discard(load.parquet)
        outcomes.clear()
        return []
    try:
        combined = contract.combine([(unit, p.outcome, p.tables) for unit, ps in batch for p in ps], extras)
    except FileRejected as exc:
        for load in own:
            lake.discard(load.parquet)
        outcomes.clear()
        report.error = str(exc)
        return []
    for outcome in outcomes:
        outcome.curated_suite_success = combined.suite.success
    report.notes += combined.suite.warnings + combined.notes
    targets = {t.table: t for t in contract.targets}
    return own + [load for table, rows in combined.tables.items()
                  for load in partition_loads(targets[table], rows, [], combined.load_id, settings)]


def await_load(pending: tuple | None, settings: Settings) -> None:
    """Wait for a submitted warehouse load; if it failed, drop its staged lake files and log the failure
    of each of its files. The previous good state stands in both lake and warehouse, and the run
    will end Failed."""
    from tasks import lake

    if pending is None:
        return
    future, outcomes, loads = pending
    try:
        future.result()
    except Exception as exc:  # noqa: BLE001  recorded on the files' outcomes, the run's report and the load log
        for load in loads:
            lake.discard(load.parquet)
        for outcome in outcomes:
            outcome.message = f"warehouse load failed, previous state kept: {exc!r}"
            stages.log_rejection(settings, outcome, "failed")


def publish_in_background(contract: FeedContract, settings: Settings, loads: list[PartitionLoad],
                          outcomes: list[FileOutcome], local: ThreadPoolExecutor | None):
    """Start a batch's load: a submitted task, or the task run on the local thread (copied flow context)."""
    if local is None:
        return stages.publish_partitions.submit(settings, loads, outcomes, contract.merge)
    return local.submit(contextvars.copy_context().run, stages.publish_partitions, settings, loads, outcomes, contract.merge)
