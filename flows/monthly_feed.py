"""Wiring shared by the monthly-file feeds: each file through the stage tasks, loads published in turn."""

from __future__ import annotations

import contextvars
import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

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
from tasks.validate import rule_counts
from warehouse.engine import open_engine


def prepare_month_file(feed: MonthlyFeed, mf: MonthFile, extras: dict, settings: Settings,
                       run_id: str, loaded: dict | None = None) -> tuple[FileOutcome, list[PartitionLoad] | None]:
    """One file through every stage up to the lake; returns the warehouse loads to publish.

    A rejected file is logged here (no loads) and leaves earlier loads untouched. With `loaded`
    (incremental runs: the hash of each partition's latest load), a file whose hash is the one its
    partition already holds stops after landing, with status "unchanged".
    """
    period = month_label(mf.month)
    outcome = FileOutcome(run_id, feed.name, period, f"force={mf.force}", mf.file.name)
    try:
        landed = stages.land_file(mf.file, feed.name, period, settings, run_id)
        outcome.source_sha256 = landed.sha256
        if loaded is not None and loaded.get((period, outcome.partition_key)) == landed.sha256:
            outcome.status = "unchanged"
            return outcome, None
        ctx = FileContext(mf.force, mf.month, landed.sha256, run_id, extras)
        raw = stages.read_file(feed, landed)
        outcome.rows_in = raw.num_rows
        good, bad, raw_result = stages.validate_raw(feed, raw, mf.month, mf.file.name)
        del raw
        outcome.raw_suite_success = raw_result.success
        outcome.warnings += raw_result.warnings
        curated = stages.conform(feed, good, ctx)
        del good
        cur_result = stages.validate_curated(feed, curated, mf.month, mf.file.name)
        outcome.curated_suite_success = cur_result.success
        outcome.warnings += cur_result.warnings
        quarantined = feed.quarantine(bad, ctx)
        outcome.rows_curated, outcome.rows_quarantined = curated.num_rows, quarantined.num_rows
        outcome.quarantine_by_rule = rule_counts(quarantined)
        outcome.message = feed.describe(curated)
        keys = {"force": mf.force, "month": period}
        curated_path = stages.write_lake(curated, settings, "curated", feed.name, keys, ("force", "month"))
        quarantine_path = stages.write_lake(quarantined, settings, "quarantine", feed.name, keys, ("force", "file_month"))
        return outcome, [
            PartitionLoad(feed.fact_table, feed.curated_schema.names, curated.num_rows,
                          {"force": mf.force, "month": mf.month}, parquet=curated_path),
            PartitionLoad(feed.quarantine_table, feed.quarantine_schema.names, quarantined.num_rows,
                          {"force": mf.force, "file_month": mf.month}, parquet=quarantine_path),
        ]
    except (FileRejected, SourceError) as exc:
        return rejected(settings, outcome, exc)


def await_load(pending: tuple | None, settings: Settings) -> None:
    """Wait for a submitted warehouse load; if it failed, drop its staged lake files and log the failure.

    The previous good state stands in both lake and warehouse, and the run will end Failed.
    """
    if pending is None:
        return
    future, outcome, loads = pending
    try:
        future.result()
    except Exception as exc:  # noqa: BLE001  recorded on the file's outcome, the run's report and the load log
        for load in loads:
            lake.discard(load.parquet)
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


@task(name="prepare-file", cache_policy=NO_CACHE)
def prepare_file(feed: MonthlyFeed, mf: MonthFile, extras: dict, settings: Settings, run_id: str,
                 loaded: dict | None) -> tuple[FileOutcome, list[PartitionLoad] | None]:
    """prepare_month_file as one task, for a task runner that spreads files over worker processes."""
    return prepare_month_file(feed, mf, extras, settings, run_id, loaded)


def prepared_in_order(feed: MonthlyFeed, files: list[MonthFile], extras: dict, settings: Settings, run_id: str,
                      loaded: dict | None) -> Iterator[tuple[MonthFile, tuple]]:
    """Each file's (outcome, loads), in file order. On a distributed runner, a window of files is
    prepared at once on the workers (two per worker process), so only that many are in flight."""
    if not spreads_work():
        for mf in files:
            yield mf, prepare_month_file(feed, mf, extras, settings, run_id, loaded)
        return
    window = 2 * (os.cpu_count() or 2)
    futures = deque()
    for mf in files:
        futures.append((mf, prepare_file.submit(feed, mf, extras, settings, run_id, loaded)))
        if len(futures) >= window:
            mf0, future = futures.popleft()
            yield mf0, future.result()
    while futures:
        mf0, future = futures.popleft()
        yield mf0, future.result()


def load_month_files(feed: MonthlyFeed, files: list[MonthFile], extras: dict, settings: Settings,
                     run_id: str, report: FeedReport, incremental: bool = False) -> None:
    """Every file in turn; the previous file's warehouse load runs while the next is prepared.

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
        for mf, (outcome, loads) in prepared_in_order(feed, files, extras, settings, run_id, loaded):
            release_memory()
            if outcome.status == "unchanged":
                report.unchanged += 1
            else:
                report.files.append(outcome)
            await_load(pending, settings)
            pending = (publish_in_background(settings, loads, outcome, local), outcome, loads) if loads else None
            logger.info("%s %s: %s rows in, %s curated, %s quarantined %s", feed.name, month_label(mf.month),
                         outcome.rows_in, outcome.rows_curated, outcome.rows_quarantined, outcome.message or "")
            progress.advance(outcome.rows_in or 0, mf.file.size)
        await_load(pending, settings)
    finally:
        progress.close()
        if local is not None:
            local.shutdown()


def publish_in_background(settings: Settings, loads: list[PartitionLoad], outcome: FileOutcome,
                          local: ThreadPoolExecutor | None):
    """Start the file's load: a submitted task, or the task run on the local thread (copied flow context)."""
    if local is None:
        return stages.publish_partitions.submit(settings, loads, [outcome])
    return local.submit(contextvars.copy_context().run, stages.publish_partitions, settings, loads, [outcome])
