"""The feed contract: what a feed declares, once, for the one runner (flows/runner.py) to load it.

A feed says how its source files are found and named, its partition key, the tables it writes
(each with its own column names for that key), and its stages: read, the raw suite, conform, the
curated suite and quarantine, with an optional merge run inside the load's transaction. The
runner does everything else the same way for every feed: landing, row accounting, the lake, the
warehouse transaction, the load log, batching, incremental runs and the run's report.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pyarrow as pa

from tasks.errors import SourceError
from tasks.periods import in_range, month_label, parse_month
from tasks.sources import SourceFile
from tasks.validate import SuiteOutcome


@dataclass(frozen=True)
class Unit:
    """A source file found for a feed, and what its name says: the period it holds and the values
    of the feed's partition key (in the order the feed declares them; empty when the rows say)."""

    file: SourceFile
    period: str | None = None          # the load log's period: 2020-03, 2019-20, 2020-01-31
    partition_key: str | None = None   # the load log's partition: force=lancashire, wave=2019-20
    keys: tuple = ()                   # the feed's partition key values, e.g. ("lancashire", date(2020, 3, 1))
    log_name: str | None = None        # the load log's feed, when not the feed's (reference files name their layout)
    ordinal: int = 0                   # its place among the run's files, which its parts' load ids hold
    info: Any = None                   # what else the name told (a reference file's layout)
    notes: tuple[str, ...] = ()        # what finding it noticed (files passed over), for the run's report
    source_root: str | None = None     # the source the run was given (its drop folder, archive or file)

    @property
    def force(self) -> str | None:
        """The force its name gives (a monthly feed's partition, force=<slug>), for batching and run names."""
        key = self.partition_key or ""
        return key.removeprefix("force=") if key.startswith("force=") else None


@dataclass(frozen=True)
class Part:
    """Rows of a file checked and published together, one load-log row: the file, or a sheet of it."""

    rows: pa.Table
    faults: pa.Table | None = None      # rows the reader could not split or parse (line number, rule, text)
    period: str | None = None           # when the part says more than the file's name (a workbook's sheet)
    partition_key: str | None = None
    kind: str | None = None             # the layout or sheet the reader recognised
    holds: tuple = ()                   # the partitions the part replaces, whatever rows it keeps (a sheet's year)


@dataclass(frozen=True)
class Context:
    """What the stages of one part need to know."""

    unit: Unit
    part: Part
    sha256: str
    load_id: int                         # the part's etl_load_log row, which every row it loads carries
    source: str                          # the file's name, for messages
    extras: dict[str, Any] = field(default_factory=dict)  # dim_geography, force area, classification...

    @property
    def force(self) -> str | None:
        """The force the file's name gives."""
        return self.unit.force

    @property
    def month(self) -> dt.date | None:
        """The month the file's name gives (monthly feeds)."""
        return next((k for k in self.unit.keys if isinstance(k, dt.date)), None)


LOAD_ID = "load_id"
RUN_LOADS = 100_000_000  # load ids a run holds: run number x 10^8 + file x 10^3 + part (2,000,000,041 is run 20's file 0, part 41)
FILE_LOADS = 1_000


def loaded(schema: pa.Schema) -> pa.Schema:
    """A table's schema as loaded: the conformed rows' columns and their `load_id`."""
    return schema.append(pa.field(LOAD_ID, pa.int64()))


def load_id(run_number: int, unit: Unit, part: int = 0) -> int:
    """The load id of a file's part: readable as its run, file and part, and unique without asking the warehouse
    (a worker process preparing files cannot open DuckDB while the flow holds it)."""
    if not (0 <= unit.ordinal < RUN_LOADS // FILE_LOADS and 0 <= part < FILE_LOADS):
        raise SourceError(f"{unit.file.name}: a run holds at most {RUN_LOADS // FILE_LOADS:,} files of "
                          f"{FILE_LOADS:,} parts each; split the source")
    return run_number * RUN_LOADS + unit.ordinal * FILE_LOADS + part


def iso(value) -> str:
    """A partition value as a folder name: dates as ISO, '/' (2019/20) as '-'."""
    return (value.isoformat() if isinstance(value, dt.date) else str(value)).replace("/", "-")


def month_folder(value) -> str:
    """A monthly feed's partition value as a folder name: months as YYYY-MM."""
    return month_label(value) if isinstance(value, dt.date) else iso(value)


@dataclass(frozen=True)
class Folder:
    """How a partition key's values are named as lake folders, and the SQL that reads a folder name
    back as the value: DuckDB's views over the lake take their key columns from the folder names."""

    name: Callable[[Any], str]
    date_sql: str = "cast({} as date)"   # '{}' is the folder name, as text
    text_sql: str = "{}"

    def __call__(self, value) -> str:
        return self.name(value)

    def sql(self, column: str, is_date: bool) -> str:
        """The key column's value from its hive column of folder names (quoted `column`)."""
        return (self.date_sql if is_date else self.text_sql).format(f'"{column}"')


ISO = Folder(iso)                          # text keys holding no '/'; dates as 2020-01-31
MONTHS = Folder(month_folder, date_sql="cast({} || '-01' as date)")
FINANCIAL_YEARS = Folder(iso, text_sql="replace({}, '-', '/')")   # 2019/20 is folder 2019-20


@dataclass(frozen=True)
class Target:
    """A warehouse table the feed writes: its lake folder, and its own column names for the feed's
    partition key (the quarantine's `file_month` for the facts' `month`). A load replaces one
    partition, and the lake stores it at <zone>/<dataset>/<column>=<value>/... without those columns."""

    table: str
    schema: pa.Schema | None        # None: the conformed rows' own columns (the reference tables)
    dataset: str
    zone: str = "curated"
    key: tuple[str, ...] = ()
    folder: Folder = ISO                    # a key value as its folder name, and back

    @property
    def columns(self) -> list[str] | None:
        """The table's columns as loaded: the conformed rows' and their `load_id`."""
        return None if self.schema is None else loaded(self.schema).names

    def folders(self, values: dict) -> dict[str, str]:
        """The partition's folder names."""
        return {k: self.folder(values[k]) for k in self.key}


@dataclass(frozen=True)
class Combined:
    """What a feed made of all its files together: tables to publish, the suite that checked them, notes."""

    tables: dict[str, pa.Table]
    suite: SuiteOutcome
    notes: list[str] = field(default_factory=list)
    load_id: int | None = None      # the load its rows are traced to (dim_geography: the LSOA lookup's)


Checked = tuple[pa.Table, pa.Table, SuiteOutcome]  # rows that passed, rows held back (with their rules), the suite


@dataclass(frozen=True)
class FeedContract:
    """One feed, declared for the runner."""

    name: str                                                   # its load-log name
    expects: str                                                # what the source should hold, for "no ... in <source>"
    find: Callable[[str, dict, Any], list[Unit]]                # source, flow parameters, settings -> units
    context: Callable[[Any, list[Unit], dict], dict]            # settings, units, parameters -> extras for the stages
    read: Callable[[Path, str, Unit], list[Part]]               # landed path, source name -> parts
    check_raw: Callable[[pa.Table, Context], Checked]
    conform: Callable[[pa.Table, Context], dict[str, pa.Table]]  # good rows -> rows per target table
    check_curated: Callable[[dict[str, pa.Table], Context], list[SuiteOutcome]]
    quarantine: Callable[[pa.Table, Context], pa.Table]         # held-back rows -> the quarantine target's rows
    targets: tuple[Target, ...]     # the facts first (a part writes some of them), the quarantine last
    # The partitions each target's rows replace; by default the one the file's name gives. A feed whose
    # rows name their partitions (the Home Office years, MoJ cohorts) says which, empty ones included.
    partitions: Callable[[Context, dict[str, pa.Table]], dict[str, list[dict]]] | None = None
    describe: Callable[[dict[str, pa.Table]], str | None] | None = None  # counts an analyst wants beside the load
    period: Callable[[dict[str, pa.Table]], str | None] | None = None    # the load log's period, when the rows say it
    merge: Callable | None = None                               # (conn, outcomes) inside the load's transaction
    batch_bytes: int = 0            # >0: a month's small files go through each suite together, up to this much CSV
    # All the files as one batch, published together after `combine` (which makes further tables of
    # the parts' conformed rows), and only when none was rejected: the reference lookups build dim_geography.
    combine: Callable[[list[tuple[Unit, Any, dict[str, pa.Table]]], Any], "Combined"] | None = None  # (file, outcome, rows)
    keeps_raw_text: bool = True     # a faulty row's text is quarantined, unless the file carries personal data

    @property
    def quarantine_target(self) -> Target:
        """The table held-back rows go to."""
        return self.targets[-1]

    @property
    def fact_targets(self) -> tuple[Target, ...]:
        """The tables curated rows go to."""
        return self.targets[:-1]


def single(check: Callable[..., SuiteOutcome]) -> Callable[..., list[SuiteOutcome]]:
    """A curated check of the feed's one fact table, as the contract's list of suite outcomes."""
    def check_curated(tables: dict[str, pa.Table], ctx: Context) -> list[SuiteOutcome]:
        (table,) = tables.values()
        return [check(table, ctx)]
    return check_curated


def find_month_files(source, name: re.Pattern[str], force: str | None,
                     months: tuple[dt.date, dt.date] | None, default_force: str | None = None) -> list[Unit]:
    """Files whose base name matches `name` (groups: month, and force unless a default is given),
    for the force and months asked for, sorted by force and month: units keyed (force, month)."""
    found = []
    for f in source.list_files(name):
        m = name.search(Path(f.name.split("!")[-1]).name)
        month = parse_month(m.group("month"))
        file_force = m.groupdict().get("force") or default_force
        if (force is None or file_force == force) and in_range(month, months):
            found.append(Unit(f, month_label(month), f"force={file_force}", (file_force, month)))
    found.sort(key=lambda u: (u.keys, u.file.name))
    twice = [(a, b) for a, b in zip(found, found[1:]) if a.keys == b.keys]
    if twice:
        pairs = "; ".join(f"{a.force} {a.period}: {a.file.name} and {b.file.name}" for a, b in twice)
        raise SourceError(f"the source holds the same month twice, so which to load is ambiguous ({pairs}): pass one")
    return found
