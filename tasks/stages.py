"""Prefect task wrappers of the stages every feed shares. Retries only where files, network or database are touched."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks import lake, landing, publish
from tasks.load_log import FileOutcome, record_rejection
from tasks.runs import retry_on_io
from tasks.settings import Settings
from tasks.sources import SourceFile
from warehouse.comments import set_comments
from warehouse.engine import ensure_schema, open_engine
from warehouse.marts import MartBuild, build_marts

IO_RETRIES = dict(retries=2, retry_delay_seconds=[1, 5], retry_condition_fn=retry_on_io, cache_policy=NO_CACHE)


@task(name="prepare-warehouse", task_run_name="prepare the warehouse", **IO_RETRIES)
def prepare_warehouse(settings: Settings, numbered: bool = True) -> int | None:
    """Create missing warehouse tables, the facts as views over the lake on DuckDB; for a feed run
    (`numbered`), its number, which its load ids hold."""
    from prefect import get_run_logger

    from tasks.lake_views import serve
    from tasks.runs import reserve_run_number

    engine = open_engine(settings.warehouse)
    for said in ensure_schema(engine, settings.analyst_role):  # an earlier version's warehouse, brought up to date
        get_run_logger().info("warehouse: %s", said)
    for said in serve(engine, settings.lake):
        get_run_logger().warning("%s", said)
    with engine.begin() as conn:  # after serve: DuckDB's views over the lake are made again each run
        set_comments(conn)
    return reserve_run_number(engine) if numbered else None


@task(name="recover", task_run_name="recover what killed runs left", **IO_RETRIES)
def recover_leftovers(settings: Settings) -> list[str]:
    """Finish the lake renames of a run killed after its commit, and clear a killed run's temp files."""
    from tasks.recovery import recover

    return recover(open_engine(settings.warehouse), settings.lake, settings.landing)


@task(name="land", task_run_name="land {feed} {period} {source.name}", **IO_RETRIES)
def land_file(source: SourceFile, feed: str, period: str, settings: Settings, run_id: str) -> landing.LandedFile:
    """Copy the source file into landing under its hash."""
    return landing.land(source, feed, period, settings.landing, run_id)


@task(name="write-lake", task_run_name="write-lake {zone} {dataset} {keys}", **IO_RETRIES)
def write_lake(table: pa.Table, settings: Settings, zone: str, dataset: str, keys: dict[str, str],
               key_columns: tuple[str, ...] = ()) -> Path:
    """Stage the partition's next file, without the key columns its folder names; publish promotes it."""
    folder = lake.partition_dir(settings.lake, zone, dataset, **keys)
    return lake.stage(table.drop_columns([c for c in key_columns if c in table.column_names]), folder)


def publish_name(parameters: dict) -> str:
    """The publish task's run name: how many partitions of which tables, for how many files."""
    loads, outcomes = parameters["loads"], parameters["outcomes"]
    tables = sorted({load.table for load in loads})
    return f"publish {len(loads)} partitions of {', '.join(tables)} ({len(outcomes)} files)"


@task(name="publish", task_run_name=publish_name, **IO_RETRIES)
def publish_partitions(settings: Settings, loads: list[publish.PartitionLoad], outcomes: list[FileOutcome],
                       then=None) -> None:
    """Replace the partitions (then merge, when given) and log the load in one warehouse transaction."""
    publish.publish(open_engine(settings.warehouse), loads, outcomes, then, settings.lake)


@task(name="log-rejection", task_run_name="log-rejection {outcome.feed} {outcome.source_name}", **IO_RETRIES)
def log_rejection(settings: Settings, outcome: FileOutcome, status: str = "rejected") -> None:
    """Record a rejected file (or a load that failed) in the load log."""
    record_rejection(open_engine(settings.warehouse), outcome, status)


@task(name="build-marts", task_run_name="build-marts for {feeds}", **IO_RETRIES)
def rebuild_marts(settings: Settings, feeds: list[str] | None = None) -> MartBuild:
    """Rebuild the marts the feeds change (all of them when feeds is None); a mart kept as it was,
    because a view reads what changed in it, is a warning, not a failure."""
    from prefect import get_run_logger

    build = build_marts(open_engine(settings.warehouse), feeds, settings.analyst_role)
    for conflict in build.conflicts:
        get_run_logger().warning("marts: %s", conflict)
    return build
