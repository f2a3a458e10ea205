"""Home Office CSP tables in their published layouts (xlsx with a sheet per year, or CSV, current
or older column names) for the 14 Lancashire CSPs, for tests and the demo."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from synth.recorded_crime import AUTHORITY_RATE, OFFENCE_MIX

NEW = ["Financial Year", "Financial Quarter", "Force Name", "CSP Name", "Offence Description", "Offence Group",
       "Offence Subgroup", "Offence Code", "Number of Offences"]
OLD = ["Financial Year", "Force Name", "CSP Name", "Offence Description", "Offence Group", "Offence Subgroup",
       "Offence Code", "Offence Count"]


def rows_for_year(year: str, classification: list[dict], yearly_crimes: int = 140_000, quarters: bool = True,
                  seed: int = 0, negatives: int = 2) -> list[list]:
    """One year's rows: every Lancashire CSP x offence code (x quarter), counts in proportion."""
    rng = np.random.default_rng(seed)
    by_code = {c["offence_code"]: c for c in classification}
    shares = {code: share for code, share in OFFENCE_MIX.items() if code in by_code}
    total_share = sum(shares.values())
    weight = sum(AUTHORITY_RATE.values())
    rows = []
    for csp, rate in AUTHORITY_RATE.items():
        for code, share in shares.items():
            c = by_code[code]
            for q in ([1, 2, 3, 4] if quarters else [None]):
                mean = yearly_crimes * (rate / weight) * (share / total_share) / (4 if quarters else 1)
                count = int(rng.poisson(mean))
                base = [year, "Lancashire", csp, c["offence_description"], c["offence_group"], c["offence_subgroup"], code, count]
                rows.append(base[:1] + [q] + base[1:] if quarters else base)
    for i in rng.choice(len(rows), negatives, replace=False):
        rows[i][-1] = -int(rng.integers(1, 4))  # recording corrections
    return rows


def write_csv(path: Path, years: dict[str, list[list]], old_layout: bool = False) -> Path:
    """One CSV holding the years."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(OLD if old_layout else NEW)
        for rows in years.values():
            writer.writerows(rows)
    return path


def write_workbook(path: Path, years: dict[str, list[list]], old_layout: bool = False) -> Path:
    """An xlsx workbook: a notes sheet, then one sheet per financial year named like 2018_19."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["Police recorded crime by Community Safety Partnership (generated for tests)"])
    for year, rows in years.items():
        sheet = book.create_sheet(year.replace("/", "_"))
        sheet.append(OLD if old_layout else NEW)
        for row in rows:
            sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
