"""The Trading Standards Young Persons Survey, declared for the one runner: a file per wave,
replacing that wave of fact_young_persons_response and its quarantine."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from tasks import lake
from tasks.areas import force_authorities
from tasks.feed import Context, FeedContract, Part, Target, Unit, single
from tasks.sources import open_source
from tasks.young_persons import checks, conform, read
from tasks.young_persons.schema import CURATED_SCHEMA, FEED, QUARANTINE_SCHEMA


def find(source: str, parameters: dict, settings) -> list[Unit]:
    """The wave files in the source, oldest first."""
    return [Unit(w.file, w.wave, f"wave={w.wave}", (w.wave,)) for w in read.find_waves(open_source(Path(source)))]


def context(settings, units: list[Unit], parameters: dict) -> dict:
    """The force's authorities, which the pupils' districts must be."""
    return {"authorities": force_authorities(lake.read_curated(settings.lake, "dim_geography"), parameters["force"])}


def read_file(path: Path, source_name: str, unit: Unit) -> list[Part]:
    """The wave's rows (free text left unread)."""
    return [Part(read.read_wave(path, source_name))]


def check_raw(table: pa.Table, ctx: Context):
    """The raw suite of the wave, its districts the force's authorities."""
    return checks.check_raw(table, ctx.unit.period, ctx.source, ctx.extras["authorities"]["authority_name"].to_pylist())


def conform_rows(good: pa.Table, ctx: Context) -> dict[str, pa.Table]:
    """Typed rows of fact_young_persons_response."""
    return {"fact_young_persons_response": conform.conform_wave(good, ctx.extras["authorities"], ctx.unit.period)}


def check_curated(curated: pa.Table, ctx: Context):
    """The curated suite of the wave."""
    return checks.check_curated(curated, ctx.unit.period, ctx.source)


def quarantine(bad: pa.Table, ctx: Context) -> pa.Table:
    """Held-back rows with the values read (never the free text)."""
    return checks.quarantine_rows(bad, ctx.unit.period)


WAVES = FeedContract(
    name=FEED,
    expects="ts_young_persons_survey_YYYY-YY.csv",
    find=find,
    context=context,
    read=read_file,
    check_raw=check_raw,
    conform=conform_rows,
    check_curated=single(check_curated),
    quarantine=quarantine,
    targets=(
        Target("fact_young_persons_response", CURATED_SCHEMA, FEED, key=("wave",)),
        Target("quarantine_young_persons_response", QUARANTINE_SCHEMA, FEED, "quarantine", ("file_wave",)),
    ),
)
