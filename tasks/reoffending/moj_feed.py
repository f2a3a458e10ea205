"""MoJ proven reoffending tables, declared for the one runner: each file (overview, geographical
data tool or national series, recognised by its header) replaces the partitions its rows hold,
cohort periods of its layout or the series' measures and units, and their held-back rows."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa

from tasks import lake
from tasks.feed import Context, FeedContract, Folder, Part, Target, Unit
from tasks.publish import split_partitions
from tasks.reoffending import moj, moj_checks
from tasks.reoffending.moj import FEED
from tasks.reoffending.moj_checks import QUARANTINE_SCHEMA, SERIES_SCHEMA, TABLES_SCHEMA, partition_label
from tasks.sources import open_source
from tasks.validate import check_or_reject

MOJ_FILE = re.compile(r"\.(csv|xlsx)$", re.I)
TABLES = Target("fact_moj_reoffending", TABLES_SCHEMA, "moj_reoffending", key=("layout", "period_start", "period_type"))
SERIES = Target("fact_moj_reoffending_series", SERIES_SCHEMA, "moj_reoffending_series", key=("measure", "period_type"))
# one folder level per label: layout=geographic/period_start=2019-04-01 is layout~geographic,period_start~2019-04-01
LABELS = Folder(lambda label: label.replace("/", ",").replace("=", "~"), text_sql="replace(replace({}, ',', '/'), '~', '=')")
QUARANTINE = Target("quarantine_moj_reoffending", QUARANTINE_SCHEMA, "moj_reoffending", "quarantine", ("partition_key",),
                    folder=LABELS)


def find(source: str, parameters: dict, settings) -> list[Unit]:
    """Every .csv and .xlsx in the source: the header says which table each is."""
    return [Unit(f) for f in open_source(Path(source)).list_files(MOJ_FILE)]


def context(settings, units: list[Unit], parameters: dict) -> dict:
    """Authority name -> code for every authority in dim_geography."""
    dim = lake.read_curated(settings.lake, "dim_geography")
    return {"authorities": dict(zip(dim["authority_name"].to_pylist(), dim["authority_code"].to_pylist()))}


def read_file(path: Path, source_name: str, unit: Unit) -> list[Part]:
    """The table's rows in its layout's canonical columns."""
    batch = moj.read_moj_file(path, source_name)
    return [Part(batch.table, kind=batch.layout, partition_key=f"layout={batch.layout}")]


def check_raw(table: pa.Table, ctx: Context):
    """The layout's raw suite."""
    if ctx.part.kind == "series":
        return moj_checks.check_series(table, ctx.source)
    return moj_checks.check_tables(table, ctx.part.kind, ctx.source)


def conform_rows(good: pa.Table, ctx: Context) -> dict[str, pa.Table]:
    """Curated rows of fact_moj_reoffending or fact_moj_reoffending_series."""
    if ctx.part.kind == "series":
        return {SERIES.table: moj_checks.conform_series(good)}
    return {TABLES.table: moj_checks.conform_tables(good, ctx.part.kind, ctx.extras["authorities"])}


def check_curated(tables: dict[str, pa.Table], ctx: Context):
    """The curated suite of the layout's table."""
    dataset = "moj_reoffending_series" if ctx.part.kind == "series" else "moj_reoffending"
    (curated,) = tables.values()
    return [check_or_reject(curated, dataset, "curated", {}, ctx.source)]


def quarantine(bad: pa.Table, ctx: Context) -> pa.Table:
    """Held-back rows as published, each naming the fact partition it belongs to (its file's base
    name, never a machine's path, where no period can be read)."""
    base_name = Path(ctx.source.split("!")[-1]).name
    return moj_checks.quarantine_rows(bad, ctx.part.kind, base_name)


def fact_partitions(tables: dict[str, pa.Table]) -> tuple[Target, list[dict]]:
    """The fact table the part writes, and the partitions its rows hold."""
    target = SERIES if SERIES.table in tables else TABLES
    return target, [key for key, _ in split_partitions(tables[target.table], list(target.key))]


def partitions(ctx: Context, tables: dict[str, pa.Table]) -> dict[str, list[dict]]:
    """The partitions the rows hold; the quarantine replaced as the facts are, in each of them and
    in any only its held-back rows name."""
    target, keys = fact_partitions(tables)
    labels = {partition_label(ctx.part.kind, key) for key in keys}
    labels |= set(tables[QUARANTINE.table]["partition_key"].to_pylist())
    return {target.table: keys, QUARANTINE.table: [{"partition_key": label} for label in sorted(labels)]}


def period(tables: dict[str, pa.Table]) -> str | None:
    """The cohort periods (or series measures) the file holds, for the load log."""
    _, keys = fact_partitions(tables)
    return ", ".join(sorted({str(k.get("period_start", k.get("measure"))) for k in keys}))[:200] or None


TABLES_FEED = FeedContract(
    name=FEED,
    expects=".csv or .xlsx tables",
    find=find,
    context=context,
    read=read_file,
    check_raw=check_raw,
    conform=conform_rows,
    check_curated=check_curated,
    quarantine=quarantine,
    targets=(TABLES, SERIES, QUARANTINE),
    partitions=partitions,
    period=period,
)
