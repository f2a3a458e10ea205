"""Realistic data.police.uk street files for tests and the benchmark.

Reproduces the published schema and the quirks measured on real Lancashire months
(shared/specs/police_uk.md): the crime-type mix, ASB rows with no Crime ID and no outcome,
about 6% rows with no location, about 1.4% of crime rows repeating an ID (most identical,
the rest with another outcome), a few LSOAs outside the force, LF or CRLF line endings.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from tasks.police_uk.schema import RAW_COLUMNS

CRIME_MIX = {
    "Anti-social behaviour": 35.8, "Violence and sexual offences": 29.2, "Criminal damage and arson": 7.2,
    "Other theft": 5.8, "Burglary": 5.1, "Public order": 4.9, "Vehicle crime": 3.7, "Shoplifting": 3.4,
    "Other crime": 1.5, "Drugs": 1.5, "Possession of weapons": 0.5, "Bicycle theft": 0.5, "Robbery": 0.5,
    "Theft from the person": 0.4,
}
OUTCOME_MIX = {
    "Unable to prosecute suspect": 42.0, "Investigation complete; no suspect identified": 28.1,
    "Status update unavailable": 14.1, "Court result unavailable": 7.7,
    "Further investigation is not in the public interest": 3.1, "Local resolution": 1.3,
    "Offender given a caution": 1.0, "Action to be taken by another organisation": 0.7,
    "Formal action is not in the public interest": 0.5, "Offender given penalty notice": 0.3,
    "Under investigation": 1.2,
}
OUT_OF_AREA = [("E01006288", "Wigan 001A"), ("E01007010", "Sefton 010B"), ("E01009000", "Birmingham 050C")]
NO_LOCATION_SHARE = 0.059
OUT_OF_AREA_SHARE = 0.0033
REPEAT_SHARE = 0.007  # of crime rows that get a copy: about 1.4% of crime rows then share an ID


def _pick(rng: np.random.Generator, mix: dict[str, float], n: int) -> np.ndarray:
    names = np.array(list(mix))
    weights = np.array(list(mix.values()), dtype=float)
    return names[rng.choice(len(names), size=n, p=weights / weights.sum())]


def street_month(month: dt.date, rows: int, lsoas: list[tuple[str, str]], seed: int = 0,
                 force_name: str = "Lancashire Constabulary", away: list[tuple[str, str]] = OUT_OF_AREA) -> pa.Table:
    """One month of street rows (all strings, as published) for the force's LSOAs; `away` are
    LSOAs of other forces that a few rows fall in."""
    rng = np.random.default_rng(seed)
    base = rows - int(rows * REPEAT_SHARE * 0.64)  # leave room for the repeated copies
    crime_type = _pick(rng, CRIME_MIX, base)
    asb = crime_type == "Anti-social behaviour"
    hexes = rng.bytes(32 * base).hex()
    ids = np.array([hexes[i * 64:(i + 1) * 64] for i in range(base)], dtype=object)
    crime_id = np.where(asb, None, ids)
    outcome = np.where(asb, None, _pick(rng, OUTCOME_MIX, base))
    codes = np.array([c for c, _ in lsoas], dtype=object)
    names = np.array([n for _, n in lsoas], dtype=object)
    which = rng.integers(0, len(lsoas), base)
    lsoa_code, lsoa_name = codes[which], names[which]
    is_away = rng.random(base) < OUT_OF_AREA_SHARE
    pick_away = rng.integers(0, len(away), base)
    lsoa_code = np.where(is_away, np.array([c for c, _ in away], dtype=object)[pick_away], lsoa_code)
    lsoa_name = np.where(is_away, np.array([n for _, n in away], dtype=object)[pick_away], lsoa_name)
    lon = np.round(-2.7 + rng.normal(0, 0.25, base), 6).astype(str).astype(object)
    lat = np.round(53.8 + rng.normal(0, 0.2, base), 6).astype(str).astype(object)
    location = np.array([f"On or near Street {i % 5000}" for i in range(base)], dtype=object)
    unlocated = rng.random(base) < NO_LOCATION_SHARE
    for arr in (lon, lat, lsoa_code, lsoa_name):
        arr[unlocated] = None
    location[unlocated] = "No Location"
    month_text = f"{month:%Y-%m}"
    table = {
        "Crime ID": crime_id, "Month": np.full(base, month_text, dtype=object),
        "Reported by": np.full(base, force_name, dtype=object), "Falls within": np.full(base, force_name, dtype=object),
        "Longitude": lon, "Latitude": lat, "Location": location, "LSOA code": lsoa_code, "LSOA name": lsoa_name,
        "Crime type": crime_type.astype(object), "Last outcome category": outcome, "Context": np.full(base, None, dtype=object),
    }
    # repeated Crime IDs: copies of crime rows, about 7 in 10 identical, the rest with another outcome
    crimes = np.flatnonzero(~asb)
    copies = rng.choice(crimes, size=min(rows - base, len(crimes)), replace=False)
    changed = rng.random(len(copies)) < 0.3
    extra = {k: v[copies].copy() for k, v in table.items()}
    extra["Last outcome category"][changed] = _pick(rng, OUTCOME_MIX, int(changed.sum()))
    order = np.concatenate([np.arange(base), copies])  # copies sit after their original in file order
    merged = {k: np.concatenate([table[k], extra[k]])[np.argsort(order, kind="stable")] for k in RAW_COLUMNS}
    return pa.table({k: pa.array(merged[k], pa.string()) for k in RAW_COLUMNS})


def street_csv_bytes(table: pa.Table, crlf: bool = False) -> bytes:
    """A street file's bytes as data.police.uk writes them: header, no quoting (no published value
    holds a comma), LF or CRLF."""
    body = io.BytesIO()
    pacsv.write_csv(table, body, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    data = (",".join(table.column_names) + "\n").encode() + body.getvalue()
    return data.replace(b"\n", b"\r\n") if crlf else data


def write_street_file(table: pa.Table, path: Path, crlf: bool = False) -> Path:
    """Write a street file as data.police.uk does."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(street_csv_bytes(table, crlf))
    return path


def generate_months(folder: Path, force: str, months: list[dt.date], rows_per_month: int,
                    lsoas: list[tuple[str, str]], seed: int = 0) -> list[Path]:
    """YYYY-MM/YYYY-MM-<force>-street.csv for each month, as in the archive."""
    return [
        write_street_file(street_month(m, rows_per_month, lsoas, seed + i),
                          Path(folder) / f"{m:%Y-%m}" / f"{m:%Y-%m}-{force}-street.csv", crlf=i % 2 == 1)
        for i, m in enumerate(months)
    ]
