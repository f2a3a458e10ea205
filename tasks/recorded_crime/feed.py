"""The force's recorded-crime extract declared for the shared monthly-file stages."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from tasks.feed import FileContext, MonthlyFeed
from tasks.recorded_crime import checks, conform, read
from tasks.recorded_crime.schema import CURATED_SCHEMA, FEED, QUARANTINE_SCHEMA


def describe(curated: pa.Table) -> str:
    """Counts an analyst wants beside the load: unweighted codes, domestic abuse, serious violence."""
    unclassified = pc.is_null(curated["offence_group"])
    codes = pc.value_counts(pc.filter(curated["ho_offence_code"], unclassified)).to_pylist()
    missing = ", ".join(f"{c['values']}: {c['counts']}" for c in sorted(codes, key=lambda c: -c["counts"]))
    return (f"out_of_area={pc.sum(curated['out_of_area']).as_py() or 0} "
            f"domestic_abuse={pc.sum(curated['is_domestic_abuse']).as_py() or 0} "
            f"serious_violence={pc.sum(curated['is_serious_violence']).as_py() or 0} "
            f"unweighted_codes={{{missing}}}")


def make_feed(known_codes: list[str]) -> MonthlyFeed:
    """The feed, its raw check knowing the offence codes of the loaded classification."""
    return MonthlyFeed(
        name=FEED,
        fact_table="fact_recorded_crime",
        quarantine_table="quarantine_recorded_crime",
        curated_schema=CURATED_SCHEMA,
        quarantine_schema=QUARANTINE_SCHEMA,
        read=read.read_extract,
        check_raw=checks.make_check_raw(known_codes),
        conform=conform_rows,
        check_curated=checks.check_curated,
        quarantine=quarantine,
        describe=describe,
        keeps_raw_text=False,  # a row's text holds officer_notes and other personal data
    )


def conform_rows(good: pa.Table, ctx: FileContext) -> pa.Table:
    """Validated rows -> fact_recorded_crime rows."""
    x = ctx.extras
    return conform.conform_extract(good, x["dim"], x["area"], x["classification"], x["rules"],
                                   ctx.month, ctx.sha256, ctx.run_id)


def quarantine(bad: pa.Table, ctx: FileContext) -> pa.Table:
    """Held-back rows with the values read."""
    return checks.quarantine_rows(bad, ctx.force, ctx.month, ctx.sha256, ctx.run_id)
