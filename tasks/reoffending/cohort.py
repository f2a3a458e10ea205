"""The partnership's local reoffender cohort extract (shared/specs/reoffending.md section 2).

Raw grain: one row per offender in a quarter's cohort, `reoffending_cohort_<YYYY-MM>.csv`.
Curated: one row per offender (fact_reoffending_cohort) and one row per listed reoffence group
(fact_reoffence), so the offence mix of reoffences is a plain count in SQL.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tasks.csv_read import read_csv
from tasks.errors import SourceError
from tasks.reoffending.cohorts import period_end
from tasks.sources import Source, SourceFile
from tasks.validate import SuiteOutcome, check_or_reject, split_rows

FEED = "reoffending_cohort"
COHORT_FILE = re.compile(r"^reoffending_cohort_(?P<month>\d{4}-\d{2})\.csv$")
HEADER = ["offender_key", "cohort_start", "district", "sex", "age_at_index", "ethnic_group", "index_offence_group",
          "reoffended", "reoffence_count", "reoffence_groups"]
RAW_SCHEMA = pa.schema([(c, pa.string()) for c in HEADER])
SEXES = ["Male", "Female"]
ETHNIC_GROUPS = ["White", "Asian", "Black", "Mixed", "Other", "Not stated"]
INDEX_OFFENCE_GROUPS = [
    "Criminal Damage and Arson", "Drug", "Fraud", "Miscellaneous Crimes Against Society", "Possession of Weapons",
    "Public Order", "Robbery", "Sexual", "Summary Motoring", "Summary Non-motoring", "Theft",
    "Violence Against the Person", "Other",
]
REOFFENCE_GROUPS = [
    "Arson & Criminal Damage", "Burglary", "Drug Offences", "Miscellaneous Crimes Against Society",
    "Possession of Weapons", "Public Order Offences", "Robbery", "Sexual Offences", "Theft", "Vehicle Offences",
    "Violence Against the Person",
]
YOUTH_MAX_AGE = 17

COHORT_SCHEMA = pa.schema([
    ("cohort_start", pa.date32()),
    ("cohort_end", pa.date32()),
    ("offender_key", pa.string()),
    ("authority_code", pa.string()),
    ("authority_name", pa.string()),
    ("bcu", pa.string()),
    ("sex", pa.string()),
    ("age_at_index", pa.int16()),
    ("is_youth", pa.bool_()),
    ("ethnic_group", pa.string()),
    ("index_offence_group", pa.string()),
    ("reoffended", pa.bool_()),
    ("reoffence_count", pa.int32()),
    ("source_row", pa.int32()),
])
"""Curated grain: one row per offender in a quarterly cohort."""

REOFFENCE_SCHEMA = pa.schema([
    ("cohort_start", pa.date32()),
    ("offender_key", pa.string()),
    ("position", pa.int16()),
    ("reoffence_group", pa.string()),
])
"""Curated grain: one row per offence group listed for a reoffender, in the order listed."""

QUARANTINE_SCHEMA = pa.schema(
    [("file_cohort_start", pa.date32())] + list(RAW_SCHEMA)
    + [("source_row", pa.int32()), ("rule", pa.string())]
)


@dataclass(frozen=True)
class CohortFile:
    """One quarter's extract and the cohort start in its name."""

    file: SourceFile
    cohort_start: dt.date


def find_cohort_files(source: Source) -> list[CohortFile]:
    """Every cohort extract in the source, oldest first; a name that is not a quarter's start is refused."""
    found = []
    for f in source.list_files(COHORT_FILE):
        stamp = COHORT_FILE.search(Path(f.name.split("!")[-1]).name).group("month")
        year, month = int(stamp[:4]), int(stamp[5:])
        if month not in (1, 4, 7, 10):
            raise SourceError(f"{f.name}: cohorts start on the first day of a quarter (01, 04, 07, 10), not {stamp}")
        found.append(CohortFile(f, dt.date(year, month, 1)))
    found.sort(key=lambda c: (c.cohort_start, c.file.name))
    twice = [f"{a.file.name} and {b.file.name}" for a, b in zip(found, found[1:]) if a.cohort_start == b.cohort_start]
    if twice:
        raise SourceError(f"the source holds the same cohort twice ({'; '.join(twice)}): pass one")
    return found


def read_cohort(path: Path, source_name: str) -> pa.Table:
    """A landed extract -> Arrow text columns plus `source_row`."""
    table = read_csv(path, RAW_SCHEMA, source_name)
    return table.append_column("source_row", pa.array(np.arange(1, table.num_rows + 1, dtype=np.int32)))


def check_raw(table: pa.Table, cohort_start: dt.date, source: str, districts: list[str]) -> tuple[pa.Table, pa.Table, SuiteOutcome]:
    """Raw suite: reject the extract, or split its rows into good and held back."""
    groups = "|".join(re.escape(g) for g in REOFFENCE_GROUPS)
    params = {"cohort_start": [cohort_start.isoformat()], "districts": districts, "sexes": SEXES,
              "ethnic_groups": ETHNIC_GROUPS, "index_offence_groups": INDEX_OFFENCE_GROUPS,
              "reoffence_groups_pattern": f"^(?:{groups})(?:;(?:{groups}))*$"}
    outcome = check_or_reject(table, "reoffending_cohort", "raw", params, source)
    good, bad = split_rows(table, outcome.row_failures)
    return good, bad, outcome


def conform_cohort(good: pa.Table, authorities: pa.Table, cohort_start: dt.date) -> tuple[pa.Table, pa.Table]:
    """Offenders with their authority and BCU, and their listed reoffence groups one row each."""
    n = good.num_rows
    index = pc.index_in(good["district"], value_set=authorities["authority_name"].combine_chunks())
    age = good["age_at_index"].cast(pa.int16())
    offenders = pa.table({
        "cohort_start": pa.array([cohort_start] * n, pa.date32()),
        "cohort_end": pa.array([period_end(cohort_start, "quarterly")] * n, pa.date32()),
        "offender_key": good["offender_key"],
        "authority_code": pc.take(authorities["authority_code"], index),
        "authority_name": good["district"],
        "bcu": pc.take(authorities["bcu"], index),
        "sex": good["sex"],
        "age_at_index": age,
        "is_youth": pc.less_equal(age, YOUTH_MAX_AGE),
        "ethnic_group": good["ethnic_group"],
        "index_offence_group": good["index_offence_group"],
        "reoffended": pc.equal(good["reoffended"], "Y"),
        "reoffence_count": good["reoffence_count"].cast(pa.int32()),
        "source_row": good["source_row"],
    }).cast(COHORT_SCHEMA)
    keys, positions, groups = [], [], []
    for key, listed in zip(good["offender_key"].to_pylist(), good["reoffence_groups"].to_pylist()):
        for i, group in enumerate((listed or "").split(";") if listed else [], start=1):
            keys.append(key)
            positions.append(i)
            groups.append(group)
    m = len(keys)
    reoffences = pa.table({
        "cohort_start": pa.array([cohort_start] * m, pa.date32()),
        "offender_key": pa.array(keys, pa.string()),
        "position": pa.array(positions, pa.int16()),
        "reoffence_group": pa.array(groups, pa.string()),
    }).cast(REOFFENCE_SCHEMA)
    return offenders, reoffences


def quarantine_rows(bad: pa.Table, cohort_start: dt.date) -> pa.Table:
    """Held-back rows with the values read, the rules and the file."""
    n = bad.num_rows
    return pa.table({
        "file_cohort_start": pa.array([cohort_start] * n, pa.date32()),
        **{c: bad[c] for c in RAW_SCHEMA.names},
        "source_row": bad["source_row"], "rule": bad["rule"],
    }).cast(QUARANTINE_SCHEMA)
