"""The local reoffender cohort, declared for the one runner: a file per quarter, replacing that
cohort of fact_reoffending_cohort, fact_reoffence and its quarantine."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from tasks import lake
from tasks.areas import force_authorities
from tasks.feed import Context, FeedContract, Part, Target, Unit
from tasks.reoffending import cohort
from tasks.reoffending.cohort import COHORT_SCHEMA, FEED, QUARANTINE_SCHEMA, REOFFENCE_SCHEMA
from tasks.sources import open_source
from tasks.validate import check_or_reject


def find(source: str, parameters: dict, settings) -> list[Unit]:
    """The quarterly extracts in the source, oldest first."""
    return [Unit(c.file, f"{c.cohort_start:%Y-%m}", f"cohort_start={c.cohort_start}", (c.cohort_start,))
            for c in cohort.find_cohort_files(open_source(Path(source)))]


def context(settings, units: list[Unit], parameters: dict) -> dict:
    """The force's authorities, which the offenders' districts must be."""
    return {"authorities": force_authorities(lake.read_curated(settings.lake, "dim_geography"), parameters["force"])}


def read_file(path: Path, source_name: str, unit: Unit) -> list[Part]:
    """The extract's rows."""
    return [Part(cohort.read_cohort(path, source_name))]


def check_raw(table: pa.Table, ctx: Context):
    """The raw suite of the quarter, its districts the force's authorities."""
    return cohort.check_raw(table, ctx.unit.keys[0], ctx.source, ctx.extras["authorities"]["authority_name"].to_pylist())


def conform_rows(good: pa.Table, ctx: Context) -> dict[str, pa.Table]:
    """Offenders and their listed reoffence groups."""
    offenders, reoffences = cohort.conform_cohort(good, ctx.extras["authorities"], ctx.unit.keys[0])
    return {"fact_reoffending_cohort": offenders, "fact_reoffence": reoffences}


def check_curated(tables: dict[str, pa.Table], ctx: Context):
    """The curated suite on the offenders about to be published."""
    return [check_or_reject(tables["fact_reoffending_cohort"], "reoffending_cohort", "curated", {}, ctx.source)]


def quarantine(bad: pa.Table, ctx: Context) -> pa.Table:
    """Held-back rows with the values read."""
    return cohort.quarantine_rows(bad, ctx.unit.keys[0])


def describe(tables: dict[str, pa.Table]) -> str:
    """How many reoffended, and how many reoffences they list."""
    offenders = tables["fact_reoffending_cohort"]
    return f"reoffenders={pc.sum(offenders['reoffended']).as_py() or 0} reoffences_listed={tables['fact_reoffence'].num_rows}"


COHORTS = FeedContract(
    name=FEED,
    expects="reoffending_cohort_YYYY-MM.csv",
    find=find,
    context=context,
    read=read_file,
    check_raw=check_raw,
    conform=conform_rows,
    check_curated=check_curated,
    quarantine=quarantine,
    targets=(
        Target("fact_reoffending_cohort", COHORT_SCHEMA, FEED, key=("cohort_start",)),
        Target("fact_reoffence", REOFFENCE_SCHEMA, "reoffence", key=("cohort_start",)),
        Target("quarantine_reoffending_cohort", QUARANTINE_SCHEMA, FEED, "quarantine", ("file_cohort_start",)),
    ),
    describe=describe,
)
