"""Realistic cumulative Lancashire Talking exports (shared/specs/itk_survey.md) for tests and the demo.

Residents answer across the 285 wards in proportion to population; each picks one to five
issues in priority order, with a mix that tilts by district (drugs and street drinking in
Blackpool and Burnley, speeding in the rural districts). Exports are cumulative: each repeats
every response submitted before its date, at the version current on that date, and some
residents edit their answers later (a new `updated_at`). Member ids, postcodes and the free
text are made up but shaped like the real thing, so tests can prove none of it leaves landing.
A small share of rows break one contract rule each (the rule named in `BAD_KINDS`).
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow.csv as pacsv

from tasks.itk.schema import AGE_BANDS, HEADER, ISSUE_VALUES

DISTRICT_POSTCODES = {
    "Blackburn with Darwen": ["BB1", "BB2", "BB3"], "Blackpool": ["FY1", "FY2", "FY3", "FY4"],
    "Burnley": ["BB10", "BB11", "BB12"], "Chorley": ["PR6", "PR7"], "Fylde": ["FY8", "PR4"], "Hyndburn": ["BB5"],
    "Lancaster": ["LA1", "LA2", "LA3", "LA4", "LA5"], "Pendle": ["BB8", "BB9", "BB18"], "Preston": ["PR1", "PR2"],
    "Ribble Valley": ["BB7", "PR3"], "Rossendale": ["BB4"], "South Ribble": ["PR5", "PR25", "PR26"],
    "West Lancashire": ["L39", "L40", "WN8"], "Wyre": ["FY5", "FY6", "FY7"],
}
# Issue weights across the county, and the districts where an issue weighs more.
BASE_WEIGHT = {
    "Road safety: Speeding": 10, "Anti-social behaviour: Littering and fly-tipping": 8,
    "Drugs: Drug dealing": 8, "Anti-social behaviour: Youth-related ASB": 7, "Road safety: Nuisance motorbikes": 6,
    "Road safety: Parking and highway obstruction": 6, "Burglary: House burglary": 6, "Drugs: Drug taking": 5,
    "Criminal damage: Vandalism": 4, "Fraud: Online and cyber fraud": 4, "Anti-social behaviour: Noise nuisance": 3,
    "Road safety: Drink or drug driving": 3, "Violent crime: Knife crime": 3, "Fraud: Bogus callers": 2.5,
    "Alcohol: Street drinking": 2, "Violent crime: Assault": 2, "Anti-social behaviour: Neighbour disputes": 2,
    "Alcohol: Alcohol-related disorder": 1.5, "Violent crime: Domestic abuse": 1.5, "Fraud: Courier fraud": 1.5,
    "Criminal damage: Graffiti": 1, "Criminal damage: Arson": 0.6, "Other: Other (see other_issue_text)": 1,
}
TILT = {
    "Blackpool": {"Drugs: Drug dealing": 2.0, "Alcohol: Street drinking": 3.0, "Alcohol: Alcohol-related disorder": 2.5},
    "Burnley": {"Drugs: Drug dealing": 1.8, "Road safety: Nuisance motorbikes": 2.0},
    "Ribble Valley": {"Road safety: Speeding": 2.2, "Drugs: Drug dealing": 0.4, "Fraud: Bogus callers": 2.0},
    "Wyre": {"Road safety: Speeding": 1.7}, "Fylde": {"Road safety: Speeding": 1.7, "Fraud: Courier fraud": 2.0},
    "Preston": {"Violent crime: Knife crime": 1.8, "Anti-social behaviour: Youth-related ASB": 1.4},
}
AGE_MIX = [0.05, 0.11, 0.15, 0.19, 0.21, 0.18, 0.09, 0.02]
ISSUES_NAMED_MIX = [0.10, 0.08, 0.12, 0.10, 0.60]  # one to five issues
BAD_KINDS = ["issue_repeated", "issue_ranking_gap", "issue_known", "ward_in_area", "updated_not_before_submitted"]
INWARD_LETTERS = list("ABDEFGHJLNPQRSTUWXYZ")


def lancashire_wards(reference_dir: Path, year: int = 2019) -> list[tuple[str, str, str, int]]:
    """(ward_code, ward_name, authority_name, population) from the bundled lookup and population files."""
    lookup = pacsv.read_csv(reference_dir / "LSOA11_WD19_LAD19_EW_LU_lancashire.csv").to_pylist()
    population = {r["LSOA Code"]: r["Population"] for r in
                  pacsv.read_csv(reference_dir / "lancashire_population_2014_2020.csv").to_pylist() if r["Year"] == year}
    wards: dict[tuple[str, str, str], int] = {}
    for r in lookup:
        key = (r["WD19CD"], r["WD19NM"], r["LAD19NM"])
        wards[key] = wards.get(key, 0) + population.get(r["LSOA11CD"], 1500)
    return [(*k, pop) for k, pop in sorted(wards.items())]


def _ranked_issues(rng: np.random.Generator, districts: list[str]) -> np.ndarray:
    """For each response, all issues in a priority order drawn by its district's weights.

    Gumbel top-k: sorting log-weights plus Gumbel noise draws without replacement in proportion
    to the weights, for every response at once.
    """
    log_w = {d: np.log([BASE_WEIGHT[v] * TILT.get(d, {}).get(v, 1.0) for v in ISSUE_VALUES]) for d in set(districts)}
    keys = np.array([log_w[d] for d in districts]) + rng.gumbel(size=(len(districts), len(ISSUE_VALUES)))
    return np.argsort(-keys, axis=1)


def _stamp(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S")


def response_universe(n: int, wards: list[tuple[str, str, str, int]], start: dt.date, end: dt.date,
                      seed: int = 0, bad_rate: float = 0.003) -> list[dict]:
    """Every response of the survey with its first version and, for some, an edited later version."""
    rng = np.random.default_rng(seed)
    pop = np.array([w[3] for w in wards], dtype=float)
    ward_idx = rng.choice(len(wards), n, p=pop / pop.sum())
    span = (dt.datetime.combine(end, dt.time()) - dt.datetime.combine(start, dt.time())).total_seconds()
    submitted = np.sort(rng.random(n)) * span
    members = 10_000_000 + rng.choice(90_000_000, n, replace=False)
    ages = rng.choice(len(AGE_BANDS), n, p=AGE_MIX)
    districts = [wards[j][2] for j in ward_idx]
    first_pick, edited_pick = _ranked_issues(rng, districts), _ranked_issues(rng, districts)
    counts = rng.choice(5, n, p=ISSUES_NAMED_MIX) + 1
    universe = []
    for i in range(n):
        code, name, district, _ = wards[ward_idx[i]]
        sent = dt.datetime.combine(start, dt.time()) + dt.timedelta(seconds=float(submitted[i]))
        count = int(counts[i])
        postcode = f"{rng.choice(DISTRICT_POSTCODES[district])} {rng.integers(1, 10)}{''.join(rng.choice(INWARD_LETTERS, 2))}"
        if rng.random() < 0.05:
            postcode = ""
        elif rng.random() < bad_rate:  # not a postcode: a warning, the district is left empty
            postcode = "not known"
        row = {
            "response_id": f"LT{1_000_000 + i:07d}", "member_id": f"ITK{members[i]}", "submitted_at": _stamp(sent),
            "updated_at": _stamp(sent), "postcode": postcode, "ward_code": code, "ward_name": name, "district": district,
            "issues": [ISSUE_VALUES[k] for k in first_pick[i, :count]], "age_band": AGE_BANDS[ages[i]],
        }
        versions = [row]
        if rng.random() < 0.08:  # the resident edits the answer some weeks later
            later = sent + dt.timedelta(days=float(rng.exponential(30)))
            versions.append(dict(row, updated_at=_stamp(later), issues=[ISSUE_VALUES[k] for k in edited_pick[i, :count]]))
        if rng.random() < bad_rate:
            versions = [_break(dict(v), BAD_KINDS[rng.integers(len(BAD_KINDS))]) for v in versions]
        universe.append({"versions": versions})
    return universe


def _break(row: dict, kind: str) -> dict:
    """The row with one contract rule broken."""
    issues = list(row["issues"])
    if kind == "issue_repeated":
        row["issues"] = issues[:1] * 2 + issues[2:] if len(issues) > 1 else issues * 2
    elif kind == "issue_ranking_gap":
        row["issues"] = (issues + ["Drugs: Drug taking"] * 2)[:2] + [""] + (issues[2:] or ["Burglary: House burglary"])
    elif kind == "issue_known":
        row["issues"] = ["Parking: Bad parking"] + issues[1:]
    elif kind == "ward_in_area":
        row["ward_code"] = "E05000650"  # a Manchester ward
    else:
        row["updated_at"] = _stamp(dt.datetime.fromisoformat(row["submitted_at"]) - dt.timedelta(hours=3))
    return row


def export_rows(universe: list[dict], export_date: dt.date, seed: int = 0) -> list[list[str]]:
    """The export of a date: every response submitted before it, at its version current then."""
    rng = np.random.default_rng(seed)
    cutoff = _stamp(dt.datetime.combine(export_date, dt.time()))
    rows = []
    for response in universe:
        current = [v for v in response["versions"] if v["submitted_at"] < cutoff and v["updated_at"] < cutoff]
        if not current:
            continue
        v = current[-1]
        issues = (list(v["issues"]) + [""] * 5)[:5]
        other = ""
        if "Other: Other (see other_issue_text)" in issues or rng.random() < 0.03:
            other = f"Cars racing past {int(rng.integers(1, 200))} Example Road every night, ring me on 07700 9{int(rng.integers(0, 99999)):05d}"
        rows.append([v["response_id"], v["member_id"], v["submitted_at"], v["updated_at"], v["postcode"], v["ward_code"],
                     v["ward_name"], v["district"], *issues, other, v["age_band"]])
    return rows


def write_export(rows: list[list[str]], path: Path) -> Path:
    """CSV as the ITK system sends it: header row, quoted where needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def generate_exports(folder: Path, export_dates: list[dt.date], responses: int, wards: list[tuple[str, str, str, int]],
                     start: dt.date = dt.date(2019, 10, 1), seed: int = 0, bad_rate: float = 0.003) -> list[Path]:
    """itk_lancashire_talking_YYYYMMDD.csv for each export date; `responses` submitted by the last."""
    universe = response_universe(responses, wards, start, max(export_dates), seed, bad_rate)
    return [write_export(export_rows(universe, d, seed), Path(folder) / f"itk_lancashire_talking_{d:%Y%m%d}.csv")
            for d in export_dates]
