"""Wiring shared by the monthly-file feeds: a month's batch of files is one Prefect task (named for
the feed, month and files, the unit a person retries and watches), its stages plain calls inside it
(small files of one month through each suite together); the batches' loads published in turn."""

from __future__ import annotations

import contextvars
import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from prefect import get_run_logger, task

from flows.common import rejected
from flows.runners import spreads_work
from tasks import lake, landing, stages
from tasks.errors import FileRejected, SourceError
from tasks.feed import FileContext, MonthFile, MonthlyFeed
from tasks.load_log import FileOutcome, loaded_hashes
from tasks.periods import month_label
from tasks.progress import IngestProgress
from tasks.publish import PartitionLoad
from tasks.report import FeedReport
from tasks.runs import release_memory
from tasks.settings import Settings
from tasks.shared_once import SharedOnce
from tasks.validate import rule_counts, warnings_by_file
from warehouse.engine import open_engine

BATCH_FILE = "_batch_file"
# Small files of one month are validated together up to this much CSV (about 200,000 street rows),
# so memory stays bounded by the batch, not the archive.
BATCH_BYTES = 40 << 20


@dataclass
class ReadFile:
    """A file landed and read, waiting for its suites."""

    mf: MonthFile
    outcome: FileOutcome
    ctx: FileContext
    raw: pa.Table
    faults: pa.Table  # rows with the wrong number of fields or a number that does not parse


def land_and_read(feed: MonthlyFeed, mf: MonthFile, extras: dict, settings: Settings, run_id: str,
                  loaded: dict | None) -> tuple[FileOutcome, ReadFile | None]:
    """Land and read a file; no ReadFile when it is unchanged (incremental runs) or was rejected.

    With `loaded` (the hash of each partition's latest load), a file whose hash is the one its
    partition already holds stops after landing, with status "unchanged".
    """
    period = month_label(mf.month)
    outcome = FileOutcome(run_id, feed.name, period, f"force={mf.force}", mf.file.name)
    try:
        landed = stages.land_file.fn(mf.file, feed.name, period, settings, run_id)
        outcome.source_sha256 = landed.sha256
        if loaded is not None and loaded.get((period, outcome.partition_key)) == landed.sha256:
            outcome.status = "unchanged"
            return outcome, None
        raw, faults = stages.read_file.fn(feed, landed)
        outcome.rows_in = raw.num_rows + faults.num_rows
        return outcome, ReadFile(mf, outcome, FileContext(mf.force, mf.month, landed.sha256, run_id, extras), raw, faults)
    except (FileRejected, SourceError) as exc:
        return rejected(settings, outcome, exc)


def checked_alone(feed: MonthlyFeed, read: ReadFile, settings: Settings) -> tuple[FileOutcome, list[PartitionLoad] | None]:
    """One file through the raw suite, conform and the curated suite, then to the lake."""
    mf, outcome = read.mf, read.outcome
    try:
        good, bad, raw_result = stages.validate_raw.fn(feed, read.raw, mf.month, mf.file.name)
        read.raw = None
        outcome.raw_suite_success = raw_result.success
        outcome.warnings += raw_result.warnings
        curated = stages.conform.fn(feed, good, read.ctx)
        del good
        cur_result = stages.validate_curated.fn(feed, curated, mf.month, mf.file.name)
        outcome.curated_suite_success = cur_result.success
        outcome.warnings += cur_result.warnings
        return outcome, to_lake(feed, read, curated, bad, settings)
    except (FileRejected, SourceError) as exc:
        return rejected(settings, outcome, exc)


def checked_together(feed: MonthlyFeed, reads: list[ReadFile]) -> list[tuple[pa.Table, pa.Table, list[str], list[str]]] | None:
    """Several files of one month through each suite in one call: GX costs 0.2-0.3 s a call
    whatever the rows, which dominates small files (a national archive's City of London has 300
    rows). Each file's (curated, quarantined-raw rows, raw and curated warnings); None when the batch met a
    rejection or a warning about no particular rows, so each file is checked alone and the
    report says which file it was."""
    month = reads[0].mf.month
    label = f"{len(reads)} files of {month_label(month)}"
    batch = pa.concat_tables([r.raw.append_column(BATCH_FILE, pa.array(np.full(r.raw.num_rows, i, np.int32)))
                              for i, r in enumerate(reads)])
    try:
        good, bad, raw_result = stages.validate_raw.fn(feed, batch, month, label)
        raw_warnings = warnings_by_file(raw_result, batch[BATCH_FILE].to_numpy(), len(reads))
        curated = [stages.conform.fn(feed, rows_of(good, i), r.ctx) for i, r in enumerate(reads)]
        cur_result = stages.validate_curated.fn(feed, pa.concat_tables(curated), month, label)
        owners = np.repeat(np.arange(len(reads)), [c.num_rows for c in curated])
        cur_warnings = warnings_by_file(cur_result, owners, len(reads))
    except FileRejected:
        return None
    if raw_warnings is None or cur_warnings is None:
        return None
    return [(c, rows_of(bad, i), raw_warnings[i], cur_warnings[i]) for i, c in enumerate(curated)]


def rows_of(batch: pa.Table, i: int) -> pa.Table:
    """The batch's rows from its i-th file, without the batch column."""
    return batch.filter(pc.equal(batch[BATCH_FILE], i)).drop_columns([BATCH_FILE])


def to_lake(feed: MonthlyFeed, read: ReadFile, curated: pa.Table, bad: pa.Table,
            settings: Settings) -> list[PartitionLoad]:
    """Quarantine rows, the file's counts and its staged lake files; the loads that publish them."""
    mf, outcome = read.mf, read.outcome
    quarantined = feed.quarantine(with_faults(bad, read.faults, feed.keeps_raw_text), read.ctx)
    outcome.rows_curated, outcome.rows_quarantined = curated.num_rows, quarantined.num_rows
    outcome.quarantine_by_rule = rule_counts(quarantined)
    outcome.message = feed.describe(curated)
    keys = {"force": mf.force, "month": month_label(mf.month)}
    curated_path = stages.write_lake.fn(curated, settings, "curated", feed.name, keys, ("force", "month"))
    quarantine_path = stages.write_lake.fn(quarantined, settings, "quarantine", feed.name, keys, ("force", "file_month"))
    return [
        PartitionLoad(feed.fact_table, feed.curated_schema.names, curated.num_rows,
                      {"force": mf.force, "month": mf.month}, parquet=curated_path),
        PartitionLoad(feed.quarantine_table, feed.quarantine_schema.names, quarantined.num_rows,
                      {"force": mf.force, "file_month": mf.month}, parquet=quarantine_path),
    ]


def with_faults(bad: pa.Table, faults: pa.Table, keep_text: bool) -> pa.Table:
    """The raw suite's held-back rows and the reader's faulty rows as one table: a faulty row has
    no values, only its data row number, rule and (unless the file carries personal data) its text."""
    bad = bad.append_column("raw_text", pa.nulls(bad.num_rows, pa.string()))
    if faults.num_rows == 0:
        return bad
    columns = {f.name: pa.nulls(faults.num_rows, f.type) for f in bad.schema}
    columns |= {"source_row": faults["source_row"], "rule": faults["rule"]}
    if keep_text:
        columns["raw_text"] = faults["raw_text"]
    return pa.concat_tables([bad, pa.table(columns, schema=bad.schema)])


def prepare_batch(feed: MonthlyFeed, files: list[MonthFile], extras: dict, settings: Settings, run_id: str,
                  loaded: dict | None = None) -> list[tuple[MonthFile, tuple[FileOutcome, list[PartitionLoad] | None]]]:
    """Files of one month (one file, mostly) through every stage up to the lake; each file's
    outcome and the warehouse loads to publish. A rejected file is logged (no loads) and leaves
    earlier loads untouched."""
    results, reads = {}, []
    for mf in files:
        outcome, read = land_and_read(feed, mf, extras, settings, run_id, loaded)
        if read is None:
            results[id(mf)] = (outcome, None)
        else:
            reads.append(read)
    together = checked_together(feed, reads) if len(reads) > 1 else None
    for i, read in enumerate(reads):
        if together is None:
            results[id(read.mf)] = checked_alone(feed, read, settings)
        else:
            curated, bad, raw_warnings, cur_warnings = together[i]
            read.outcome.raw_suite_success = bad.num_rows == 0 and not raw_warnings
            read.outcome.curated_suite_success = not cur_warnings
            read.outcome.warnings += raw_warnings + cur_warnings
            results[id(read.mf)] = (read.outcome, to_lake(feed, read, curated, bad, settings))
    return [(mf, results[id(mf)]) for mf in files]


def batch_name(parameters: dict) -> str:
    """The batch task's run name: its feed, month, force and files, e.g.
    `police_uk_street 2020-03 43 forces (43 files)`."""
    feed, files = parameters["feed"], parameters["files"]
    months = sorted({month_label(mf.month) for mf in files})
    forces = sorted({mf.force for mf in files})
    where = forces[0] if len(forces) == 1 else f"{len(forces)} forces"
    return f"{feed.name} {'/'.join(months)} {where} ({len(files)} file{'s' if len(files) != 1 else ''})"


# Retried whole on a transient I/O failure (a lost connection, a full disk freed): landing and the
# lake are keyed by content, so a retry repeats work but never duplicates it.
prepare_month_batch = task(prepare_batch, name="prepare-month-batch", task_run_name=batch_name, **stages.IO_RETRIES)


def month_batches(files: list[MonthFile]) -> list[list[MonthFile]]:
    """Files grouped by month (any force), each group up to BATCH_BYTES of CSV; a bigger file alone."""
    batches: list[list[MonthFile]] = []
    size = 0
    for mf in sorted(files, key=lambda f: (f.month, f.force)):
        if batches and batches[-1][0].month == mf.month and size + mf.file.size <= BATCH_BYTES:
            batches[-1].append(mf)
            size += mf.file.size
        else:
            batches.append([mf])
            size = mf.file.size
    return batches


def await_load(pending: tuple | None, settings: Settings) -> None:
    """Wait for a submitted warehouse load; if it failed, drop its staged lake files and log the failure
    of each of its files. The previous good state stands in both lake and warehouse, and the run
    will end Failed."""
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


def unchanged_files(feed: MonthlyFeed, files: list[MonthFile], settings: Settings,
                    loaded: dict) -> tuple[list[MonthFile], list[MonthFile]]:
    """(files to process, files skipped): a file is skipped, unread, when its signature (zip
    member CRC or file size and mtime) was landed before with the hash its partition holds."""
    known = landing.known_signatures(settings.landing, feed.name)
    todo, skipped = [], []
    for mf in files:
        sha = known.get(mf.file.signature)
        same = sha is not None and loaded.get((month_label(mf.month), f"force={mf.force}")) == sha
        (skipped if same else todo).append(mf)
    return todo, skipped


def prepared_in_order(feed: MonthlyFeed, files: list[MonthFile], extras: dict, settings: Settings, run_id: str,
                      loaded: dict | None) -> Iterator[list[tuple[MonthFile, tuple]]]:
    """Batches of (file, (outcome, loads)), each a month's small files (month_batches), prepared by
    one task and published in one transaction. In the flow's process the batches run in turn; on a
    distributed runner a window of batches is prepared at once (two per worker process)."""
    batches = month_batches(files)
    if not spreads_work():
        for batch in batches:
            yield prepare_month_batch(feed, batch, extras, settings, run_id, loaded)
        return
    window = 2 * (os.cpu_count() or 2)
    futures = deque()
    shared = SharedOnce(extras, settings.landing / "_shared")  # the geography goes to each worker once
    for batch in batches:
        futures.append(prepare_month_batch.submit(feed, batch, shared, settings, run_id, loaded))
        if len(futures) >= window:
            yield futures.popleft().result()
    while futures:
        yield futures.popleft().result()


def load_month_files(feed: MonthlyFeed, files: list[MonthFile], extras: dict, settings: Settings,
                     run_id: str, report: FeedReport, incremental: bool = False) -> None:
    """Every file in turn, a batch (a file, or a month's small files) loaded in one transaction
    while the next batch is prepared.

    Incremental runs process only new or changed files: unchanged ones are recognised by signature
    without being read, or by hash after landing, and counted in the report, not the load log.
    Publishing stays in the flow's process, in file order, whatever the task runner.
    """
    logger = get_run_logger()
    loaded = None
    if incremental:
        loaded = loaded_hashes(open_engine(settings.warehouse), feed.name)
        files, skipped = unchanged_files(feed, files, settings, loaded)
        report.unchanged += len(skipped)
        logger.info("%s: %d file(s) unchanged since their last load, %d to process", feed.name, len(skipped), len(files))
    progress = IngestProgress(feed.name, len(files), sum(mf.file.size for mf in files), logger)
    pending = None
    # Loads always run in this process (they mutate the outcomes and hold the warehouse lock): a
    # runner that sends tasks to other processes gets a local thread for them instead.
    local = ThreadPoolExecutor(max_workers=1) if spreads_work() else None
    try:
        for batch in prepared_in_order(feed, files, extras, settings, run_id, loaded):
            release_memory()
            outcomes, loads = [], []
            for mf, (outcome, file_loads) in batch:
                if outcome.status == "unchanged":
                    report.unchanged += 1
                else:
                    report.files.append(outcome)
                if file_loads:
                    outcomes.append(outcome)
                    loads += file_loads
                logger.info("%s %s %s: %s rows in, %s curated, %s quarantined %s", feed.name, mf.force,
                            month_label(mf.month), outcome.rows_in, outcome.rows_curated, outcome.rows_quarantined,
                            outcome.message or "")
                progress.advance(outcome.rows_in or 0, mf.file.size)
            await_load(pending, settings)
            pending = (publish_in_background(settings, loads, outcomes, local), outcomes, loads) if loads else None
        await_load(pending, settings)
    finally:
        progress.close()
        if local is not None:
            local.shutdown()


def publish_in_background(settings: Settings, loads: list[PartitionLoad], outcomes: list[FileOutcome],
                          local: ThreadPoolExecutor | None):
    """Start a batch's load: a submitted task, or the task run on the local thread (copied flow context)."""
    if local is None:
        return stages.publish_partitions.submit(settings, loads, outcomes)
    return local.submit(contextvars.copy_context().run, stages.publish_partitions, settings, loads, outcomes)
