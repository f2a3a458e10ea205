"""Realistic force extracts (shared/specs/recorded_crime.md) for tests, the demo and the benchmark.

Lancashire scale: about 140,000 crimes a year across the 14 authorities, weighted by population
and by each authority's crime rate (Blackpool highest). Offence mix, domestic abuse (~14% of
crime, mostly violence and harassment, a quarter or more alcohol-related; its share highest in
Blackpool and lowest in Pendle, as the assessment found), hate crime strands,
knife and online flags, victim and suspect ages and sexes in plausible proportions.
`officer_notes` carries made-up personal details, so tests can prove they never leave landing.
"""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from tasks.recorded_crime.schema import HEADER

# code -> share of all recorded crime (per cent), roughly the shape of a northern force's year
OFFENCE_MIX = {
    "1": 0.02, "4.1": 0.01, "5A": 0.6, "8N": 11.0, "8P": 0.3, "105A": 14.0, "105B": 0.6,
    "8L": 7.0, "8Q": 3.5, "8R": 5.0, "19C": 1.0, "19G": 0.1, "17A": 0.3, "20A": 1.3, "22B": 0.3,
    "71": 0.05, "34A": 0.1, "34B": 0.6, "28E": 3.5, "29": 0.05, "30C": 2.0, "31": 0.02,
    "37.2": 0.1, "45": 2.8, "48": 1.8, "126": 0.5, "39": 0.5, "44": 0.7, "46": 6.0, "49": 6.5,
    "56A": 0.1, "56B": 0.8, "58A": 4.5, "58C": 4.0, "92A": 0.7, "92D": 1.3, "92E": 0.5,
    "10A": 0.9, "10C": 0.05, "81": 0.1, "9A": 6.0, "8M": 0.6, "66": 1.5, "106": 0.1,
    "802": 0.4, "67": 0.05, "999X": 0.04,  # 999X: a code missing from the classification
}
VIOLENT = {"1", "4.1", "5A", "8N", "8P", "105A", "105B", "8L", "8Q", "8R", "19C", "19G", "17A", "20A", "58A"}
NO_VICTIM = {"46", "92A", "92D", "92E", "10A", "10C", "81", "9A", "66", "802", "67", "30C"}
AUTHORITY_RATE = {  # crimes per 1,000 relative to the county
    "Blackpool": 1.9, "Preston": 1.45, "Burnley": 1.45, "Blackburn with Darwen": 1.3, "Hyndburn": 1.2,
    "Lancaster": 0.95, "Pendle": 0.95, "Rossendale": 0.95, "Chorley": 0.8, "South Ribble": 0.8,
    "Wyre": 0.75, "West Lancashire": 0.7, "Fylde": 0.65, "Ribble Valley": 0.55,
}
# domestic abuse's share of an authority's crime relative to the county's, as the assessment
# reports it: highest in Blackpool, lowest in Pendle
DOMESTIC_ABUSE_RATE = {
    "Blackpool": 1.45, "Blackburn with Darwen": 1.2, "Burnley": 1.15, "Hyndburn": 1.1, "Preston": 1.05,
    "Rossendale": 1.0, "Lancaster": 1.0, "Wyre": 0.95, "Chorley": 0.9, "South Ribble": 0.9, "West Lancashire": 0.85,
    "Fylde": 0.85, "Ribble Valley": 0.8, "Pendle": 0.7,
}
STRANDS = (["Race"] * 70 + ["Sexual orientation"] * 12 + ["Disability"] * 8 + ["Religion"] * 6 + ["Transgender"] * 4)
NAMES = ["John Smith", "Sarah Jones", "Mohammed Khan", "Emma Taylor", "David Brown", "Aisha Patel"]


def extract_month(month: dt.date, rows: int, lsoas: list[tuple[str, str, int]], seed: int = 0) -> pa.Table:
    """One month's extract; `lsoas` is (lsoa_code, authority_name, population)."""
    rng = np.random.default_rng(seed)
    codes = np.array(list(OFFENCE_MIX))
    mix = np.array(list(OFFENCE_MIX.values()))
    code = codes[rng.choice(len(codes), rows, p=mix / mix.sum())]
    weight = np.array([pop * AUTHORITY_RATE.get(auth, 1.0) for _, auth, pop in lsoas], dtype=float)
    picked = rng.choice(len(lsoas), rows, p=weight / weight.sum())
    lsoa = np.array([c for c, _, _ in lsoas], dtype=object)[picked]
    da_rate = np.array([DOMESTIC_ABUSE_RATE.get(auth, 1.0) for _, auth, _ in lsoas])[picked]
    lsoa[rng.random(rows) < 0.03] = None
    violent = np.isin(code, list(VIOLENT))
    domestic = rng.random(rows) < np.where(violent, 0.26, 0.015) * da_rate
    alcohol = rng.random(rows) < np.where(domestic, 0.3, 0.12)
    knife = (rng.random(rows) < np.where(np.isin(code, ["5A", "8N", "34B", "34A", "1"]), 0.12, 0.0)) | (code == "10A")
    online = rng.random(rows) < np.where(np.isin(code, ["8R", "8L", "22B"]), 0.45, 0.01)
    hate = rng.random(rows) < np.where(np.isin(code, ["8P", "105B", "8M"]), 1.0, 0.012)
    strand = np.array([None] * rows, dtype=object)
    for i in np.flatnonzero(hate):
        picks = {STRANDS[j] for j in rng.integers(0, len(STRANDS), 1 + (rng.random() < 0.08))}
        strand[i] = ";".join(sorted(picks))
    days = calendar.monthrange(month.year, month.month)[1]
    recorded = np.array([f"{month:%Y-%m}-{d:02d}" for d in rng.integers(1, days + 1, rows)], dtype=object)
    lag = rng.exponential(6, rows).astype(int)
    offence = np.array([(dt.date.fromisoformat(r) - dt.timedelta(days=int(g))).isoformat() for r, g in zip(recorded, lag)],
                       dtype=object)
    offence[rng.random(rows) < 0.05] = None
    has_victim = ~np.isin(code, list(NO_VICTIM))
    victim_age = np.clip(rng.normal(np.where(domestic, 33, 36), 15, rows), 0, 95).astype(int).astype(str).astype(object)
    victim_age[~has_victim | (rng.random(rows) < 0.04)] = None
    victim_sex = np.where(rng.random(rows) < np.where(domestic | np.isin(code, ["19C", "20A", "22B"]), 0.8, 0.48), "F", "M")
    victim_sex = victim_sex.astype(object)
    victim_sex[rng.random(rows) < 0.02] = "U"
    victim_sex[~has_victim] = None
    known_suspect = rng.random(rows) < 0.6
    suspect_age = np.clip(rng.normal(31, 12, rows), 10, 90).astype(int).astype(str).astype(object)
    suspect_age[~known_suspect] = None
    suspect_sex = np.where(rng.random(rows) < 0.82, "M", "F").astype(object)
    suspect_sex[~known_suspect] = None
    first = rng.integers(0, 10**8 - rows)
    notes = np.array([f"Spoke to {NAMES[i % len(NAMES)]} at {10 + i % 90} Example Street, tel 07700 900{i % 1000:03d}"
                      for i in range(rows)], dtype=object)
    yn = lambda mask: np.where(mask, "Y", "N").astype(object)  # noqa: E731
    columns = {
        "crime_ref": np.array([f"LC-{first + i:08d}" for i in range(rows)], dtype=object),
        "recorded_date": recorded, "offence_date": offence, "ho_offence_code": code.astype(object),
        "offence_description": np.array([f"recorded as {c}" for c in code], dtype=object), "lsoa_code": lsoa,
        "domestic_abuse_flag": yn(domestic), "hate_crime_strand": strand, "alcohol_flag": yn(alcohol),
        "knife_flag": yn(knife), "online_flag": yn(online), "victim_age": victim_age, "victim_sex": victim_sex,
        "suspect_age": suspect_age, "suspect_sex": suspect_sex, "officer_notes": notes,
    }
    return pa.table({c: pa.array(columns[c], pa.string()) for c in HEADER})


def write_extract(table: pa.Table, path: Path) -> Path:
    """CSV as the force sends it: header row, quoted only where needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))
    return path


def generate_year(folder: Path, first_month: dt.date, months: int, rows_per_month: int,
                  lsoas: list[tuple[str, str, int]], seed: int = 0) -> list[Path]:
    """recorded_crime_YYYY-MM.csv for each month from first_month."""
    paths = []
    for i in range(months):
        y, m = divmod(first_month.month - 1 + i, 12)
        month = dt.date(first_month.year + y, m + 1, 1)
        paths.append(write_extract(extract_month(month, rows_per_month, lsoas, seed + i),
                                   Path(folder) / f"recorded_crime_{month:%Y-%m}.csv"))
    return paths


def lancashire_lsoas(reference_dir: Path, year: int = 2019) -> list[tuple[str, str, int]]:
    """(lsoa_code, authority_name, population) from the bundled lookup and population files."""
    lookup = pacsv.read_csv(reference_dir / "LSOA11_WD19_LAD19_EW_LU_lancashire.csv").to_pylist()
    population = pacsv.read_csv(reference_dir / "lancashire_population_2014_2020.csv").to_pylist()
    pop = {r["LSOA Code"]: r["Population"] for r in population if r["Year"] == year}
    return [(r["LSOA11CD"], r["LAD19NM"], pop.get(r["LSOA11CD"], 1500)) for r in lookup]
