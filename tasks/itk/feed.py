"""Lancashire Talking (ITK), declared for the one runner: cumulative exports, each staged as sent
(the lake keeps every export) and merged into the responses' latest versions in its load's transaction."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import sqlalchemy as sa

from tasks import lake
from tasks.areas import force_wards
from tasks.feed import Context, FeedContract, Part, Target, Unit
from tasks.itk import checks, conform, read
from tasks.itk.merge import merge_export
from tasks.itk.schema import FEED, ISSUE_SCHEMA, QUARANTINE_SCHEMA, RESPONSE_SCHEMA
from tasks.load_log import FileOutcome
from tasks.pseudonym import pseudonym_key
from tasks.publish import lock_table
from tasks.sources import open_source


def find(source: str, parameters: dict, settings) -> list[Unit]:
    """The exports in the source, oldest first."""
    return [Unit(e.file, e.export_date.isoformat(), f"export_date={e.export_date}", (e.export_date,))
            for e in read.find_exports(open_source(Path(source)))]


def context(settings, units: list[Unit], parameters: dict) -> dict:
    """The force's wards (which responses must fall in), and the settings that hold the pseudonym key."""
    wards = force_wards(lake.read_curated(settings.lake, "dim_geography"), parameters["force"])
    return {"wards": wards, "area": checks.area_parameters(wards), "settings": settings}


def export_date(ctx: Context) -> dt.date:
    """The export's date, from its name."""
    return ctx.unit.keys[0]


def read_file(path: Path, source_name: str, unit: Unit) -> list[Part]:
    """The export's rows (free text left unread)."""
    return [Part(read.read_export(path, source_name))]


def check_raw(table: pa.Table, ctx: Context):
    """The raw suite, the wards and districts the force's."""
    return checks.check_raw(table, export_date(ctx), ctx.source, ctx.extras["area"])


def conform_rows(good: pa.Table, ctx: Context) -> dict[str, pa.Table]:
    """Responses and the issues they name, members pseudonymised (the key stays in here)."""
    key = pseudonym_key(ctx.extras["settings"])
    return {"etl_stage_itk_response": conform.conform_responses(good, ctx.extras["wards"], export_date(ctx), key),
            "etl_stage_itk_response_issue": conform.conform_issues(good, export_date(ctx))}


def check_curated(tables: dict[str, pa.Table], ctx: Context):
    """The curated suites of responses and issues."""
    return checks.check_curated(tables["etl_stage_itk_response"], tables["etl_stage_itk_response_issue"],
                                export_date(ctx), ctx.source)


def quarantine(bad: pa.Table, ctx: Context) -> pa.Table:
    """Held-back rows, the member pseudonymised and the postcode cut to its district."""
    return checks.quarantine_rows(bad, export_date(ctx), pseudonym_key(ctx.extras["settings"]))


def describe(tables: dict[str, pa.Table]) -> str:
    """How many issues the export's responses name."""
    return f"issues named={tables['etl_stage_itk_response_issue'].num_rows}"


def merge_staged(conn: sa.Connection, outcomes: list[FileOutcome]) -> None:
    """One export merges at a time, so each sees the responses the one before it committed."""
    lock_table(conn, "fact_itk_response")
    merge_export(conn, outcomes)


EXPORTS = FeedContract(
    name=FEED,
    expects="itk_lancashire_talking_YYYYMMDD.csv",
    find=find,
    context=context,
    read=read_file,
    check_raw=check_raw,
    conform=conform_rows,
    check_curated=check_curated,
    quarantine=quarantine,
    targets=(
        # staged as sent, then merged (merge_staged): the lake keeps each export whole
        Target("etl_stage_itk_response", RESPONSE_SCHEMA, "itk_response", key=("export_date",)),
        Target("etl_stage_itk_response_issue", ISSUE_SCHEMA, "itk_response_issue", key=("export_date",)),
        Target("quarantine_itk_response", QUARANTINE_SCHEMA, "itk_response", "quarantine", ("export_date",)),
    ),
    describe=describe,
    merge=merge_staged,
)
