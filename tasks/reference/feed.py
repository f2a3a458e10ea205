"""Reference data, declared for the one runner: the newest file of each layout, recognised by its
header (ONS lookups, BCU grouping, forces, population, harm weights, classifications, the threat
ranking), each checked by its own suite; the lookups combined into dim_geography; all published
together, or nothing when any file is rejected."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from tasks.errors import SourceError
from tasks.feed import Combined, Context, FeedContract, Part, Target, Unit
from tasks.load_log import FileOutcome
from tasks.reference import boundaries, checks, geography
from tasks.reference.tables import conform_reference_table
from tasks.sources import local_file
from tasks.validate import check_or_reject

FEED = "reference"
LOOKUPS = ["ons_lsoa_ward_lad", "ons_lad_csp_pfa", "bcu_grouping", "police_forces"]  # dim_geography is made of these
TABLES = {layout.dataset: layout.table for layout in geography.LAYOUTS + boundaries.LAYOUTS if layout.table}
CONFIG_FALLBACK = ["bcu_grouping", "police_forces", *TABLES]
LOOKUP = "lookup:"  # a lookup's rows, combined into dim_geography rather than published as they are


def find(source: str, parameters: dict, settings) -> list[Unit]:
    """The newest file of each layout in the source; the configured folder fills the layouts it lacks."""
    chosen, notes = geography.find_reference_files(Path(source), settings.reference_dir, CONFIG_FALLBACK)
    missing = [d for d in LOOKUPS if d not in chosen]
    if missing:
        raise SourceError(f"no file of layout {missing} in {source} or {settings.reference_dir}")
    notes += [f"{d}: no file in {source} or {settings.reference_dir}; {t} left as it was" for d, t in TABLES.items()
              if d not in chosen]
    datasets = LOOKUPS + [d for d in TABLES if d in chosen]
    return [Unit(local_file(chosen[d].path), chosen[d].vintage, keys=(d,), log_name=d, info=chosen[d],
                 notes=tuple(notes) if i == 0 else ()) for i, d in enumerate(datasets)]


def context(settings, units: list[Unit], parameters: dict) -> dict:
    """Nothing beyond the files themselves."""
    return {}


def read_file(path: Path, source_name: str, unit: Unit) -> list[Part]:
    """The layout's columns with their declared types, renamed to canonical names."""
    ref = unit.info
    return [Part(geography.read_reference(geography.ReferenceFile(path, ref.layout, ref.rename, ref.vintage)),
                 kind=ref.layout.dataset)]


def check_raw(table: pa.Table, ctx: Context):
    """The layout's raw suite."""
    return checks.check_reference(table, ctx.part.kind, ctx.source)


def conform_rows(good: pa.Table, ctx: Context) -> dict[str, pa.Table]:
    """A reference table's rows; a lookup's rows as they are, for dim_geography."""
    dataset = ctx.part.kind
    if dataset in TABLES:
        return {TABLES[dataset]: conform_reference_table(dataset, good, ctx.sha256)}
    return {LOOKUP + dataset: good}


def check_curated(tables: dict[str, pa.Table], ctx: Context):
    """The reference tables are checked by their raw suites; dim_geography by its own (combine)."""
    return []


def quarantine(bad: pa.Table, ctx: Context) -> pa.Table:
    """Held-back rows as JSON records, with the rules broken."""
    return checks.quarantine_records(bad, ctx.part.kind)


def combine(parts: list[tuple[Unit, FileOutcome, dict[str, pa.Table]]], extras: dict) -> Combined:
    """dim_geography from the four lookups, checked by its curated suite; its lineage is the LSOA lookup's."""
    files = {unit.log_name: (unit, outcome, tables) for unit, outcome, tables in parts}
    lookups = {d: files[d][2][LOOKUP + d] for d in LOOKUPS}
    lsoa, lad = files["ons_lsoa_ward_lad"], files["ons_lad_csp_pfa"]
    vintage = f"{lsoa[0].period}+{lad[0].period.split('/', 1)[1]}"
    dim = geography.build_dim_geography(lookups["ons_lsoa_ward_lad"], lookups["ons_lad_csp_pfa"], lookups["bcu_grouping"],
                                        lookups["police_forces"], vintage)
    suite = check_or_reject(dim, "dim_geography", "curated", {}, "dim_geography")
    return Combined({"dim_geography": dim}, suite, [f"dim_geography: {dim.num_rows} LSOAs, vintage {vintage}"],
                    lsoa[1].load_id)


REFERENCE = FeedContract(
    name=FEED,
    expects="reference CSVs",
    find=find,
    context=context,
    read=read_file,
    check_raw=check_raw,
    conform=conform_rows,
    check_curated=check_curated,
    quarantine=quarantine,
    targets=(
        Target("dim_geography", None, "dim_geography"),
        *[Target(table, None, table) for table in dict.fromkeys(TABLES.values()) if table != boundaries.TABLE],
        Target(boundaries.TABLE, None, boundaries.TABLE, key=("layer",)),  # each file replaces its layer
        Target("quarantine_reference", None, FEED, "quarantine", ("feed",)),
    ),
    combine=combine,
)
