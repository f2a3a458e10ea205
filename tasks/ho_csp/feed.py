"""Home Office recorded crime by CSP, declared for the one runner: a workbook's year sheets (or a
CSV), each sheet a load-log row that replaces the financial years it holds, facts and quarantine."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from tasks import lake
from tasks.feed import FINANCIAL_YEARS, Context, FeedContract, Part, Target, Unit, single
from tasks.ho_csp import checks
from tasks.ho_csp.checks import QUARANTINE_SCHEMA
from tasks.ho_csp.conform import CURATED_SCHEMA, conform_ho, csp_lookup
from tasks.ho_csp.read import FEED, read_ho_file
from tasks.sources import open_source
from tasks.validate import SuiteOutcome, check_or_reject

TABLE_FILE = re.compile(r"\.(xlsx|csv)$", re.I)
FACTS = Target("fact_ho_csp_crime", CURATED_SCHEMA, FEED, key=("financial_year",), folder=FINANCIAL_YEARS)
# a held-back row's period is its sheet's year, or a CSV row's own year text ('unknown' when blank), read
# back from its folder as a year label: a CSV's raw "2019-20" reads as 2019/20, its raw text kept beside it
QUARANTINE = Target("quarantine_ho_csp_crime", QUARANTINE_SCHEMA, FEED, "quarantine", ("period",), FINANCIAL_YEARS)


def find(source: str, parameters: dict, settings) -> list[Unit]:
    """Every .xlsx and .csv in the source."""
    return [Unit(f) for f in open_source(Path(source)).list_files(TABLE_FILE)]


def context(settings, units: list[Unit], parameters: dict) -> dict:
    """Each CSP's code by name, from dim_geography."""
    return {"csps": csp_lookup(lake.read_curated(settings.lake, "dim_geography"))}


def read_file(path: Path, source_name: str, unit: Unit) -> list[Part]:
    """A part per year sheet (or the CSV), with the years it replaces."""
    return [Part(b.table, period=b.part.replace("_", "/"), partition_key=f"sheet={b.part}", kind=b.part,
                 holds=tuple(checks.sheet_years(b.part, b.table)))
            for b in read_ho_file(path, source_name)]


def check_raw(table: pa.Table, ctx: Context):
    """The raw suite on one sheet: file-level failures reject the sheet, row-level ones quarantine rows."""
    return checks.check_ho(table, ctx.part.kind, ctx.source)


def conform_rows(good: pa.Table, ctx: Context) -> dict[str, pa.Table]:
    """Curated rows with the CSP's code."""
    return {FACTS.table: conform_ho(good, ctx.extras["csps"], ctx.part.kind)}


def check_curated(curated: pa.Table, ctx: Context) -> SuiteOutcome:
    """The curated suite on the rows about to be published; any failure rejects the sheet."""
    return check_or_reject(curated, FEED, "curated", {}, f"{ctx.source}[{ctx.part.kind}]")


def quarantine(bad: pa.Table, ctx: Context) -> pa.Table:
    """Held-back rows as published, with the year they were published under."""
    return checks.quarantine_rows(bad, ctx.part.kind)


def partitions(ctx: Context, tables: dict[str, pa.Table]) -> dict[str, list[dict]]:
    """Each financial year the sheet holds (its sheet's year at least), replaced in facts and quarantine."""
    years = set(ctx.part.holds) | set(tables[FACTS.table]["financial_year"].to_pylist())
    years |= set(tables[QUARANTINE.table]["period"].to_pylist())
    return {FACTS.table: [{"financial_year": y} for y in sorted(years)],
            QUARANTINE.table: [{"period": y} for y in sorted(years)]}


def describe(tables: dict[str, pa.Table]) -> str:
    """Negative counts (recording corrections) and CSPs the geography does not know."""
    curated = tables[FACTS.table]
    negative = pc.sum(curated["is_negative"]).as_py() or 0
    unmatched = pc.sum(pc.is_null(curated["csp_code"])).as_py() or 0
    return f"negative_counts={negative} csp_not_in_geography={unmatched}"


HO_TABLES = FeedContract(
    name=FEED,
    expects=".xlsx or .csv tables",
    find=find,
    context=context,
    read=read_file,
    check_raw=check_raw,
    conform=conform_rows,
    check_curated=single(check_curated),
    quarantine=quarantine,
    targets=(FACTS, QUARANTINE),
    partitions=partitions,
    describe=describe,
)
