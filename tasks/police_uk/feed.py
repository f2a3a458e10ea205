"""The police.uk street feed, declared for the one runner: a file per force and month, replacing
that (force, month) partition of fact_street_crime and quarantine_street_crime."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from tasks import lake
from tasks.feed import MONTHS, Context, FeedContract, Part, Target, Unit, single
from tasks.periods import parse_month_range
from tasks.police_uk import checks, conform, read
from tasks.police_uk.schema import CURATED_SCHEMA, FEED, QUARANTINE_SCHEMA
from tasks.sources import open_source

ALL_FORCES = "all"
# Small files of one month are validated together up to this much CSV (about 200,000 street rows),
# so memory stays bounded by the batch, not the archive.
BATCH_BYTES = 40 << 20


def find(source: str, parameters: dict, settings) -> list[Unit]:
    """Every `YYYY-MM-<force>-street.csv` in the source for the force (or all) and months asked for."""
    force = parameters.get("force")
    return read.find_street_files(open_source(Path(source)), None if force == ALL_FORCES else force,
                                  parse_month_range(parameters.get("months")))


def context(settings, units: list[Unit], parameters: dict) -> dict:
    """The geography, and each force's ONS area (a force with no geography loaded is an error)."""
    dim = lake.read_curated(settings.lake, "dim_geography")
    return {"dim": dim, "areas": {f: conform.force_area(dim, f) for f in sorted({u.force for u in units})}}


def read_file(path: Path, source_name: str, unit: Unit) -> list[Part]:
    """The file's rows, and the rows the reader could not split or parse."""
    rows, faults = read.read_street(path, source_name)
    return [Part(rows, faults)]


def check_raw(table: pa.Table, ctx: Context):
    """The raw suite of the file's month."""
    return checks.check_raw(table, ctx.month, ctx.source)


def conform_rows(good: pa.Table, ctx: Context) -> dict[str, pa.Table]:
    """Validated rows -> fact_street_crime rows."""
    area = ctx.extras["areas"][ctx.force]
    return {"fact_street_crime": conform.conform_street(good, ctx.extras["dim"], area, ctx.month)}


def check_curated(curated: pa.Table, ctx: Context):
    """The curated suite of the file's month."""
    return checks.check_curated(curated, ctx.month, ctx.source)


def quarantine(bad: pa.Table, ctx: Context) -> pa.Table:
    """Held-back rows with their original values."""
    return checks.quarantine_rows(bad, ctx.force, ctx.month)


def describe(tables: dict[str, pa.Table]) -> str:
    """Counts an analyst wants beside the load: out of area, unlocated, repeated Crime IDs, unknown LSOAs."""
    curated = tables["fact_street_crime"]
    out_of_area = pc.sum(curated["out_of_area"]).as_py() or 0
    unlocated = curated.num_rows - (pc.sum(curated["has_location"]).as_py() or 0)
    repeats = pc.sum(pc.greater(pc.fill_null(curated["crime_id_repeats"], 1), 1)).as_py() or 0
    return (f"out_of_area={out_of_area} no_location={unlocated} "
            f"repeated_crime_id_rows={repeats} lsoa_not_in_geography={conform.unknown_lsoas(curated)}")


STREET = FeedContract(
    name=FEED,
    expects="YYYY-MM-<force>-street.csv for the force and months asked for",
    find=find,
    context=context,
    read=read_file,
    check_raw=check_raw,
    conform=conform_rows,
    check_curated=single(check_curated),
    quarantine=quarantine,
    targets=(
        Target("fact_street_crime", CURATED_SCHEMA, FEED, key=("force", "month"), folder=MONTHS),
        Target("quarantine_street_crime", QUARANTINE_SCHEMA, FEED, "quarantine", ("force", "file_month"), MONTHS),
    ),
    describe=describe,
    batch_bytes=BATCH_BYTES,
)
