"""The police.uk street feed declared for the shared monthly-file stages."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from tasks.feed import FileContext, MonthlyFeed
from tasks.police_uk import checks, conform, read
from tasks.police_uk.schema import CURATED_SCHEMA, FEED, QUARANTINE_SCHEMA


def describe(curated: pa.Table) -> str:
    """Counts an analyst wants beside the load: out of area, unlocated, repeated Crime IDs, unknown LSOAs."""
    out_of_area = pc.sum(curated["out_of_area"]).as_py() or 0
    unlocated = curated.num_rows - (pc.sum(curated["has_location"]).as_py() or 0)
    repeats = pc.sum(pc.greater(pc.fill_null(curated["crime_id_repeats"], 1), 1)).as_py() or 0
    return (f"out_of_area={out_of_area} no_location={unlocated} "
            f"repeated_crime_id_rows={repeats} lsoa_not_in_geography={conform.unknown_lsoas(curated)}")


def conform_rows(good: pa.Table, ctx: FileContext) -> pa.Table:
    """Validated rows -> fact_street_crime rows."""
    area = ctx.extras["areas"][ctx.force]
    return conform.conform_street(good, ctx.extras["dim"], area, ctx.month, ctx.sha256, ctx.run_id)


def quarantine(bad: pa.Table, ctx: FileContext) -> pa.Table:
    """Held-back rows with their original values."""
    return checks.quarantine_rows(bad, ctx.force, ctx.month, ctx.sha256, ctx.run_id)


STREET = MonthlyFeed(
    name=FEED,
    fact_table="fact_street_crime",
    quarantine_table="quarantine_street_crime",
    curated_schema=CURATED_SCHEMA,
    quarantine_schema=QUARANTINE_SCHEMA,
    read=read.read_street,
    check_raw=checks.check_raw,
    conform=conform_rows,
    check_curated=checks.check_curated,
    quarantine=quarantine,
    describe=describe,
)
