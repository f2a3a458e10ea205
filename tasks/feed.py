"""A monthly file feed: the stages every per-file feed shares, driven by a small declaration.

police.uk street files and the force's offence-coded extract are both one file per force and
month, replaced as a (force, month) partition; each declares how to read, check, conform and
quarantine its rows, and this module runs the stages in order.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pyarrow as pa

from tasks.errors import SourceError
from tasks.periods import in_range, parse_month
from tasks.sources import SourceFile
from tasks.validate import SuiteOutcome


@dataclass(frozen=True)
class MonthFile:
    """A source file found for a force and month."""

    file: SourceFile
    month: dt.date
    force: str


@dataclass(frozen=True)
class FileContext:
    """What conform and quarantine need to know about the file being loaded."""

    force: str
    month: dt.date
    sha256: str
    run_id: str
    extras: dict[str, Any] = field(default_factory=dict)  # dim_geography, force area, classification...


@dataclass(frozen=True)
class MonthlyFeed:
    """How one feed reads, checks, conforms and quarantines a file, and where its rows go."""

    name: str
    fact_table: str
    quarantine_table: str
    curated_schema: pa.Schema
    quarantine_schema: pa.Schema
    read: Callable[[Any, str], tuple[pa.Table, pa.Table]]                # landed path, name -> rows, row faults
    check_raw: Callable[[pa.Table, dt.date, str], tuple[pa.Table, pa.Table, SuiteOutcome]]
    conform: Callable[[pa.Table, FileContext], pa.Table]
    check_curated: Callable[[pa.Table, dt.date, str], SuiteOutcome]
    quarantine: Callable[[pa.Table, FileContext], pa.Table]
    describe: Callable[[pa.Table], str]
    keeps_raw_text: bool = True  # a faulty row's text is quarantined, unless the file carries personal data


def find_month_files(source, name: re.Pattern[str], force: str | None,
                     months: tuple[dt.date, dt.date] | None, default_force: str | None = None) -> list[MonthFile]:
    """Files whose base name matches `name` (groups: month, and force unless a default is given),
    for the force and months asked for, sorted by force and month."""
    found = []
    for f in source.list_files(name):
        m = name.search(Path(f.name.split("!")[-1]).name)
        month = parse_month(m.group("month"))
        file_force = m.groupdict().get("force") or default_force
        if (force is None or file_force == force) and in_range(month, months):
            found.append(MonthFile(f, month, file_force))
    found.sort(key=lambda s: (s.force, s.month, s.file.name))
    twice = [(a, b) for a, b in zip(found, found[1:]) if (a.force, a.month) == (b.force, b.month)]
    if twice:
        pairs = "; ".join(f"{a.force} {a.month:%Y-%m}: {a.file.name} and {b.file.name}" for a, b in twice)
        raise SourceError(f"the source holds the same month twice, so which to load is ambiguous ({pairs}): pass one")
    return found
