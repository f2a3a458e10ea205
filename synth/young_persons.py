"""Realistic Trading Standards Young Persons Survey waves (shared/specs/trading_standards_survey.md).

Several thousand 14-17 year olds a wave from schools across the 14 authorities (in proportion
to population), with the patterns the survey reports: drinking falls from wave to wave while
vaping rises, drinking and buying rise with age, girls worry more about spiked drinks. The
conditional answers follow the contract (units and drinking with parents only for drinkers,
asked for ID only for those who tried to buy). `free_text` carries made-up personal details, so
tests can prove it never leaves landing. A small share of rows break one rule each (`BAD_KINDS`).
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

from tasks.young_persons.schema import ALCOHOL_SOURCES, GENDERS, HEADER, USE_STATUS

# wave -> (share who drink, share who vape at least occasionally); the trend the waves show
WAVE_TREND = {"2015-16": (0.56, 0.06), "2017-18": (0.50, 0.09), "2019-20": (0.44, 0.14), "2021-22": (0.40, 0.20)}
DISTRICT_DRINK_TILT = {"Blackpool": 1.15, "Burnley": 1.08, "Ribble Valley": 1.05, "Blackburn with Darwen": 0.8,
                       "Pendle": 0.9, "Preston": 0.95}
BAD_KINDS = ["age_14_to_17", "units_only_for_drinkers", "asked_for_id_only_if_tried_to_buy", "alcohol_source_known",
             "completed_in_fieldwork"]


def _choice(rng: np.random.Generator, values: list[str], p: list[float], n: int) -> np.ndarray:
    return np.array(values, dtype=object)[rng.choice(len(values), n, p=np.array(p) / sum(p))]


def _yes(rng: np.random.Generator, p: np.ndarray | float, n: int) -> np.ndarray:
    return np.where(rng.random(n) < p, "Yes", "No").astype(object)


def wave_rows(wave: str, pupils: int, districts: dict[str, int], seed: int = 0, bad_rate: float = 0.005) -> list[list]:
    """One wave's responses; `districts` maps authority name to population (weights the schools)."""
    rng = np.random.default_rng(seed)
    n = pupils
    drink_share, vape_share = WAVE_TREND.get(wave, (0.45, 0.12))
    names = sorted(districts)
    weights = np.array([districts[d] for d in names], dtype=float)
    district = np.array(names, dtype=object)[rng.choice(len(names), n, p=weights / weights.sum())]
    schools = {d: [f"{119000 + 37 * i + j:06d}" for j in range(int(rng.integers(4, 10)))] for i, d in enumerate(names)}
    urn = np.array([schools[d][rng.integers(len(schools[d]))] for d in district], dtype=object)
    age = rng.choice([14, 15, 16, 17], n, p=[0.3, 0.35, 0.25, 0.1])
    gender = _choice(rng, GENDERS, [0.48, 0.47, 0.025, 0.025], n)
    tilt = np.array([DISTRICT_DRINK_TILT.get(d, 1.0) for d in district])
    drinks = rng.random(n) < np.clip(drink_share * tilt * (0.7 + 0.2 * (age - 14)), 0, 0.95)
    units = np.round(np.clip(rng.lognormal(1.5, 0.8, n), 0.5, 60) * 2) / 2
    units_text = np.array([f"{u:g}" for u in units], dtype=object)
    units_text[~drinks | (rng.random(n) < 0.1)] = ""
    with_parents = _yes(rng, 0.55, n)
    with_parents[~drinks | (rng.random(n) < 0.05)] = ""
    source_names = list(ALCOHOL_SOURCES)
    source_p = np.array([0.55, 0.25, 0.35, 0.08, 0.15, 0.05])
    picks = rng.random((n, len(source_names))) < source_p
    source = np.array([";".join(s for s, k in zip(source_names, row) if k) for row in picks], dtype=object)
    source[~drinks] = ""
    tried = rng.random(n) < np.where(drinks, 0.08 + 0.06 * (age - 14), 0.02)
    asked = _choice(rng, ["Yes", "No", ""], [0.6, 0.35, 0.05], n)
    asked[~tried] = ""
    peer = np.where(drinks, _yes(rng, 0.12, n), "No")
    drunk = np.where(drinks, _yes(rng, 0.3, n), "No")
    spiked = _yes(rng, np.where(gender == "Female", 0.35, 0.15), n)
    smoking = _choice(rng, USE_STATUS, [0.78, 0.12, 0.03, 0.04, 0.03], n)
    vape_p = [1 - 2.2 * vape_share, 1.2 * vape_share, 0.0, 0.6 * vape_share, 0.4 * vape_share]
    vaping = _choice(rng, USE_STATUS, [max(p, 0) + (0.0 if i != 2 else 0.02) for i, p in enumerate(vape_p)], n)
    witnessed = _choice(rng, ["Yes", "No", "Prefer not to say"], [0.18, 0.77, 0.05], n)
    purchased = _choice(rng, ["Yes", "No", "Prefer not to say"], [0.02, 0.94, 0.04], n)
    issue = _choice(rng, ["Yes", "No", "Don't know"], [0.22, 0.48, 0.30], n)
    worried = _yes(rng, 0.4, n)
    carried = _choice(rng, ["Yes", "No", "Prefer not to say"], [0.04, 0.91, 0.05], n)
    first = dt.date(int(wave[:4]), 11, 1)  # fieldwork runs November to February
    completed = np.array([(first + dt.timedelta(days=int(d))).isoformat() for d in rng.integers(0, 120, n)], dtype=object)
    free = np.array(["" if rng.random() > 0.04 else f"My mate Jordan from {u} gets served at the shop on Example Street"
                     for u in urn], dtype=object)
    rows = [[f"YPS{wave[2:4]}{wave[5:]}-{i + 1:05d}", wave, completed[i], urn[i], district[i], str(age[i]), gender[i],
             "Yes" if drinks[i] else "No", units_text[i], with_parents[i], source[i], "Yes" if tried[i] else "No",
             asked[i], peer[i], drunk[i], spiked[i], smoking[i], vaping[i], witnessed[i], purchased[i], issue[i],
             worried[i], carried[i], free[i]] for i in range(n)]
    for i in np.flatnonzero(rng.random(n) < bad_rate):
        _break(rows[i], BAD_KINDS[rng.integers(len(BAD_KINDS))])
    return rows


def _break(row: list, kind: str) -> None:
    """Break one contract rule in the row."""
    col = {c: i for i, c in enumerate(HEADER)}
    if kind == "age_14_to_17":
        row[col["age"]] = "13"
    elif kind == "units_only_for_drinkers":
        row[col["drinks_alcohol"]], row[col["units_per_week"]] = "No", "4"
    elif kind == "asked_for_id_only_if_tried_to_buy":
        row[col["tried_to_buy_alcohol"]], row[col["asked_for_id"]] = "No", "Yes"
    elif kind == "alcohol_source_known":
        row[col["alcohol_source"]] = "Off licence"
    else:
        row[col["completed_on"]] = f"{int(row[col['wave']][:4]) + 2}-01-15"


def write_wave(rows: list[list], path: Path) -> Path:
    """CSV as Trading Standards sends it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def generate_waves(folder: Path, waves: list[str], pupils: int, districts: dict[str, int], seed: int = 0,
                   bad_rate: float = 0.005) -> list[Path]:
    """ts_young_persons_survey_<wave>.csv for each wave."""
    return [write_wave(wave_rows(w, pupils, districts, seed + i, bad_rate), Path(folder) / f"ts_young_persons_survey_{w}.csv")
            for i, w in enumerate(waves)]


def district_populations(wards: list[tuple[str, str, str, int]]) -> dict[str, int]:
    """Authority name -> population, from the ITK generator's ward list."""
    totals: dict[str, int] = {}
    for _, _, district, pop in wards:
        totals[district] = totals.get(district, 0) + pop
    return totals
