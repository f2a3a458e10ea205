"""The force's recorded-crime extract, declared for the one runner: a file per month (the sender's
force), replacing that (force, month) partition of fact_recorded_crime and its quarantine."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from tasks import lake
from tasks.feed import MONTHS, Context, FeedContract, Part, Target, Unit, single
from tasks.periods import parse_month_range
from tasks.police_uk.conform import force_area
from tasks.recorded_crime import checks, conform, read
from tasks.recorded_crime.schema import CURATED_SCHEMA, FEED, QUARANTINE_SCHEMA
from tasks.sources import open_source


def find(source: str, parameters: dict, settings) -> list[Unit]:
    """The force's monthly extracts in the source for the months asked for."""
    return read.find_extracts(open_source(Path(source)), parameters["force"], parse_month_range(parameters.get("months")))


def context(settings, units: list[Unit], parameters: dict) -> dict:
    """The geography, the force's area, the offence classification and the serious violence rules."""
    dim = lake.read_curated(settings.lake, "dim_geography")
    classification = lake.read_curated(settings.lake, "ref_offence_classification")
    return {"dim": dim, "area": force_area(dim, parameters["force"]), "classification": classification,
            "rules": lake.read_curated(settings.lake, "ref_serious_violence_rules"),
            "known_codes": classification["offence_code"].to_pylist()}


def read_file(path: Path, source_name: str, unit: Unit) -> list[Part]:
    """The extract's rows (personal data and free text left unread), and the rows the reader could not split or parse."""
    rows, faults = read.read_extract(path, source_name)
    return [Part(rows, faults)]


def check_raw(table: pa.Table, ctx: Context):
    """The raw suite of the extract's month, knowing the classification's offence codes."""
    return checks.make_check_raw(ctx.extras["known_codes"])(table, ctx.month, ctx.source)


def conform_rows(good: pa.Table, ctx: Context) -> dict[str, pa.Table]:
    """Validated rows -> fact_recorded_crime rows."""
    x = ctx.extras
    return {"fact_recorded_crime": conform.conform_extract(good, x["dim"], x["area"], x["classification"], x["rules"],
                                                           ctx.month)}


def check_curated(curated: pa.Table, ctx: Context):
    """The curated suite of the extract's month."""
    return checks.check_curated(curated, ctx.month, ctx.source)


def quarantine(bad: pa.Table, ctx: Context) -> pa.Table:
    """Held-back rows with the values read."""
    return checks.quarantine_rows(bad, ctx.force, ctx.month)


def describe(tables: dict[str, pa.Table]) -> str:
    """Counts an analyst wants beside the load: unweighted codes, domestic abuse, serious violence."""
    curated = tables["fact_recorded_crime"]
    unclassified = pc.is_null(curated["offence_group"])
    codes = pc.value_counts(pc.filter(curated["ho_offence_code"], unclassified)).to_pylist()
    missing = ", ".join(f"{c['values']}: {c['counts']}" for c in sorted(codes, key=lambda c: -c["counts"]))
    return (f"out_of_area={pc.sum(curated['out_of_area']).as_py() or 0} "
            f"domestic_abuse={pc.sum(curated['is_domestic_abuse']).as_py() or 0} "
            f"serious_violence={pc.sum(curated['is_serious_violence']).as_py() or 0} "
            f"unweighted_codes={{{missing}}}")


EXTRACT = FeedContract(
    name=FEED,
    expects="recorded_crime_YYYY-MM.csv for the months asked for",
    find=find,
    context=context,
    read=read_file,
    check_raw=check_raw,
    conform=conform_rows,
    check_curated=single(check_curated),
    quarantine=quarantine,
    targets=(
        Target("fact_recorded_crime", CURATED_SCHEMA, FEED, key=("force", "month"), folder=MONTHS),
        Target("quarantine_recorded_crime", QUARANTINE_SCHEMA, FEED, "quarantine", ("force", "file_month"), MONTHS),
    ),
    describe=describe,
    keeps_raw_text=False,  # a row's text holds officer_notes and other personal data
)
