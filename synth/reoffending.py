"""Realistic reoffending inputs at Lancashire scale for tests and the demo.

- Local cohort extracts (shared/specs/reoffending.md section 2): a few thousand offenders a
  quarter across the 14 authorities, in proportion to population and crime rate; about 85% of
  reoffenders male, about 28% reoffending, about 3.6 reoffences per reoffender, one listed
  offence group per reoffence. A small share of rows break one rule each (`BAD_KINDS`).
- The MoJ geographical data tool for the same authorities: quarterly cohorts and the annual
  cohorts they add up to, adult and juvenile, each authority's `total` and the three upper-tier
  (`UTLA total`) rows, plus one authority from outside the force; as CSV or xlsx (sheet Data).
- A national overview CSV with lettered categories.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

from synth.recorded_crime import AUTHORITY_RATE
from tasks.reoffending.cohort import ETHNIC_GROUPS, HEADER, INDEX_OFFENCE_GROUPS, REOFFENCE_GROUPS
from tasks.reoffending.cohorts import add_months, cohort_label
from tasks.reoffending.moj import LAYOUTS

AGE_MIX = {(10, 17): 0.07, (18, 24): 0.20, (25, 31): 0.25, (32, 40): 0.25, (41, 75): 0.23}
# women offend older: about half of female reoffenders are 32 or over, as the assessment found
AGE_MIX_FEMALE = {(10, 17): 0.05, (18, 24): 0.13, (25, 31): 0.22, (32, 40): 0.30, (41, 75): 0.30}
INDEX_MIX = [0.07, 0.10, 0.02, 0.05, 0.04, 0.08, 0.01, 0.02, 0.10, 0.12, 0.22, 0.16, 0.01]
ETHNIC_MIX = [0.88, 0.07, 0.015, 0.02, 0.005, 0.01]
REOFFENCE_MIX = [0.08, 0.06, 0.08, 0.06, 0.03, 0.10, 0.02, 0.02, 0.30, 0.05, 0.20]
# women's reoffences lean to theft (the assessment: shop theft twice the male share), less to violence
REOFFENCE_MIX_FEMALE = [0.06, 0.03, 0.08, 0.06, 0.01, 0.10, 0.01, 0.01, 0.45, 0.02, 0.17]
BAD_KINDS = ["reoffence_count_zero_iff_not_reoffended", "reoffence_groups_only_when_reoffended", "age_10_to_100",
             "reoffence_groups_known", "offender_key_unique"]
LANCASHIRE_UTLA = "Lancashire"


def cohort_rows(cohort_start: dt.date, offenders: int, districts: dict[str, int], seed: int = 0,
                bad_rate: float = 0.005) -> list[list[str]]:
    """One quarter's extract; `districts` maps authority name to population."""
    rng = np.random.default_rng(seed)
    n = offenders
    names = sorted(districts)
    weights = np.array([districts[d] * AUTHORITY_RATE.get(d, 1.0) for d in names])
    district = np.array(names, dtype=object)[rng.choice(len(names), n, p=weights / weights.sum())]
    male = rng.random(n) < 0.83
    bands = list(AGE_MIX)
    band = np.where(male, rng.choice(len(bands), n, p=list(AGE_MIX.values())),
                    rng.choice(len(bands), n, p=list(AGE_MIX_FEMALE.values())))
    age = np.array([rng.integers(bands[b][0], bands[b][1] + 1) for b in band])
    index = rng.choice(len(INDEX_OFFENCE_GROUPS), n, p=INDEX_MIX)
    ethnic = rng.choice(len(ETHNIC_GROUPS), n, p=ETHNIC_MIX)
    p = 0.27 * np.where(male, 1.08, 0.6) * np.where(age <= 17, 1.3, np.where(age >= 41, 0.75, 1.0))
    reoffended = rng.random(n) < p
    counts = np.where(reoffended, 1 + rng.geometric(1 / 2.6, n), 0)
    keys = rng.choice(16**10, n, replace=False)
    rows = []
    for i in range(n):
        mix = REOFFENCE_MIX if male[i] else REOFFENCE_MIX_FEMALE
        groups = ";".join(REOFFENCE_GROUPS[g] for g in rng.choice(len(REOFFENCE_GROUPS), counts[i], p=mix))
        rows.append([f"P{keys[i]:010x}", cohort_start.isoformat(), district[i], "Male" if male[i] else "Female",
                     str(age[i]), ETHNIC_GROUPS[ethnic[i]], INDEX_OFFENCE_GROUPS[index[i]],
                     "Y" if reoffended[i] else "N", str(counts[i]), groups])
    for i in np.flatnonzero(rng.random(n) < bad_rate):
        _break(rows, int(i), BAD_KINDS[rng.integers(len(BAD_KINDS))])
    return rows


def _break(rows: list[list[str]], i: int, kind: str) -> None:
    """Break one contract rule in row i."""
    col = {c: k for k, c in enumerate(HEADER)}
    row = rows[i]
    if kind == "reoffence_count_zero_iff_not_reoffended":
        row[col["reoffended"]], row[col["reoffence_count"]], row[col["reoffence_groups"]] = "N", "2", ""
    elif kind == "reoffence_groups_only_when_reoffended":
        row[col["reoffended"]], row[col["reoffence_count"]], row[col["reoffence_groups"]] = "N", "0", "Theft"
    elif kind == "age_10_to_100":
        row[col["age_at_index"]] = "9"
    elif kind == "reoffence_groups_known":
        row[col["reoffended"]], row[col["reoffence_count"]], row[col["reoffence_groups"]] = "Y", "1", "Shoplifting"
    else:
        row[col["offender_key"]] = rows[i - 1][col["offender_key"]] if i else rows[1][col["offender_key"]]


def write_csv(header: list[str], rows: list[list], path: Path) -> Path:
    """A CSV with a header row, quoted where needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def generate_cohorts(folder: Path, first: dt.date, quarters: int, offenders: int, districts: dict[str, int],
                     seed: int = 0, bad_rate: float = 0.005) -> list[Path]:
    """reoffending_cohort_YYYY-MM.csv for each quarter from `first`."""
    paths = []
    for q in range(quarters):
        start = add_months(first, 3 * q)
        rows = cohort_rows(start, offenders, districts, seed + q, bad_rate)
        paths.append(write_csv(HEADER, rows, Path(folder) / f"reoffending_cohort_{start:%Y-%m}.csv"))
    return paths


def geographic_rows(first: dt.date, quarters: int, authorities: dict[str, tuple[int, bool]], seed: int = 0,
                    outside: str = "Cumbria") -> list[list]:
    """Rows of the geographical data tool: each quarter, and each run of four quarters from April.

    `authorities` maps authority name to (population, is a district of the two-tier county).
    """
    rng = np.random.default_rng(seed)
    areas = {**{a: pop for a, (pop, _) in authorities.items()}, outside: 500_000}
    quarterly: dict[tuple[str, str, dt.date], tuple[int, int, int]] = {}
    for q in range(quarters):
        start = add_months(first, 3 * q)
        for area, pop in areas.items():
            for group, share in (("Adult", 0.95), ("Juvenile", 0.05)):
                offenders = int(rng.poisson(pop * AUTHORITY_RATE.get(area, 1.0) * 0.0017 * share))
                reoffenders = int(rng.binomial(offenders, 0.27 if group == "Adult" else 0.36))
                reoffences = reoffenders + int(rng.poisson(reoffenders * 2.6))
                quarterly[(area, group, start)] = (offenders, reoffenders, reoffences)
    rows = []
    for (area, group, start), counts in quarterly.items():
        rows.append(["total", group, area, cohort_label(start, "quarterly"), *counts])
    annual_starts = [add_months(first, 3 * q) for q in range(quarters - 3) if add_months(first, 3 * q).month == 4]
    for start in annual_starts:
        for area in areas:
            for group in ("Adult", "Juvenile"):
                quarters_of = [quarterly[(area, group, add_months(start, 3 * k))] for k in range(4)]
                rows.append(["total", group, area, cohort_label(start, "annual"), *np.sum(quarters_of, axis=0).tolist()])
    periods = sorted({(r[3]) for r in rows})
    for label in periods:
        for group in ("Adult", "Juvenile"):
            by_area = {r[2]: r[4:] for r in rows if r[0] == "total" and r[1] == group and r[3] == label}
            utlas = {LANCASHIRE_UTLA: [a for a, (_, district) in authorities.items() if district]}
            utlas.update({a: [a] for a, (_, district) in authorities.items() if not district})
            for utla, members in utlas.items():
                rows.append(["UTLA total", group, utla, label, *np.sum([by_area[m] for m in members], axis=0).tolist()])
    return rows


def write_geographic(rows: list[list], path: Path) -> Path:
    """The geographical data tool as CSV, or as xlsx with the rows on sheet Data."""
    header = LAYOUTS["geographic"]
    if path.suffix.lower() != ".xlsx":
        return write_csv(header, rows, path)
    import openpyxl

    path.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    notes.append(["Proven reoffending geographical data tool (generated for csp-pipeline)"])
    data = book.create_sheet("Data")
    data.append(header)
    for row in rows:
        data.append(row)
    book.save(path)
    return path


def overview_rows(start: dt.date, seed: int = 0) -> list[list]:
    """A national overview for one annual cohort: lettered categories with their subcategories."""
    rng = np.random.default_rng(seed)
    label = cohort_label(start, "annual")
    rows = []
    for group, size in (("Adult", 420_000), ("Juvenile", 28_000)):
        for ethnicity in ("White", "Black", "Asian", "Other", "Unknown"):
            for sex in ("Male", "Female"):
                offenders = int(size * {"White": 0.8, "Black": 0.07, "Asian": 0.06, "Other": 0.03, "Unknown": 0.04}[ethnicity]
                                * (0.84 if sex == "Male" else 0.16))
                reoffenders = int(rng.binomial(offenders, 0.28))
                rows.append([label, group, "a. Ethnicity and sex", ethnicity, sex, offenders, reoffenders,
                             reoffenders + int(rng.poisson(reoffenders * 2.7))])
        for offence in INDEX_OFFENCE_GROUPS:
            offenders = int(size / len(INDEX_OFFENCE_GROUPS))
            reoffenders = int(rng.binomial(offenders, 0.27))
            rows.append([label, group, "b. Index offence by age and region", offence, "All", offenders, reoffenders,
                         reoffenders + int(rng.poisson(reoffenders * 2.5))])
    return rows
