"""A generated national data.police.uk archive: every force of England and Wales, month by month,
in the published layout (YYYY-MM/YYYY-MM-<force>-street.csv), in a folder or a zip.

Each force's rows per month follow its population (the Metropolitan Police's files are the
largest, City of London's the smallest) with a few per cent of month-to-month noise; each file
has the real files' quirks (see synth/police_uk.py) and falls in the force's own LSOAs from
dim_geography, with a few rows in a neighbouring force's. Line endings alternate LF and CRLF.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synth.police_uk import street_csv_bytes, street_month

# Resident population (millions, mid-2019, rounded) of each police force area: the volume weights.
FORCE_POPULATION = {
    "avon-and-somerset": 1.72, "bedfordshire": 0.67, "cambridgeshire": 0.86, "cheshire": 1.07,
    "city-of-london": 0.10, "cleveland": 0.57, "cumbria": 0.50, "derbyshire": 1.06, "devon-and-cornwall": 1.78,
    "dorset": 0.77, "durham": 0.64, "dyfed-powys": 0.52, "essex": 1.85, "gloucestershire": 0.64,
    "greater-manchester": 2.83, "gwent": 0.59, "hampshire": 2.00, "hertfordshire": 1.18, "humberside": 0.93,
    "kent": 1.85, "lancashire": 1.51, "leicestershire": 1.10, "lincolnshire": 0.76, "merseyside": 1.43,
    "metropolitan": 8.90, "norfolk": 0.91, "north-wales": 0.70, "north-yorkshire": 0.83, "northamptonshire": 0.75,
    "northumbria": 1.46, "nottinghamshire": 1.16, "south-wales": 1.33, "south-yorkshire": 1.41,
    "staffordshire": 1.13, "suffolk": 0.76, "surrey": 1.20, "sussex": 1.70, "thames-valley": 2.42,
    "warwickshire": 0.58, "west-mercia": 1.30, "west-midlands": 2.92, "west-yorkshire": 2.32, "wiltshire": 0.72,
}


def months_back(last: dt.date, count: int) -> list[dt.date]:
    """The `count` months ending with `last`, oldest first (an archive holds 36)."""
    index = last.year * 12 + last.month - 1
    return [dt.date((i) // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


def force_lsoas(dim: pa.Table) -> dict[str, list[tuple[str, str]]]:
    """Each force's (LSOA code, LSOA name) pairs from dim_geography."""
    rows = dim.filter(pc.is_valid(dim["force"])).select(["force", "lsoa_code", "lsoa_name"]).to_pylist()
    found: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        found.setdefault(row["force"], []).append((row["lsoa_code"], row["lsoa_name"]))
    return found


def rows_per_file(total_rows: int, forces: list[str], months: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Rows in each force's monthly files: the force's share of the total, with 5% noise by month."""
    rng = np.random.default_rng(seed)
    weights = np.array([FORCE_POPULATION[f] for f in forces])
    share = weights / weights.sum()
    return {f: np.maximum(50, (total_rows * s / months * rng.normal(1, 0.05, months)).astype(int))
            for f, s in zip(forces, share)}


def national_archive(out: Path, dim: pa.Table, months: list[dt.date], total_rows: int, seed: int = 0,
                     as_zip: bool = False, forces: list[str] | None = None) -> Path:
    """Write the archive (a folder, or `out` as a .zip) and return it; one file is in memory at a time."""
    lsoas = force_lsoas(dim)
    forces = [f for f in (forces or FORCE_POPULATION) if f in lsoas]
    if not forces:
        raise LookupError("dim_geography has no force with LSOAs: load the national reference first")
    volumes = rows_per_file(total_rows, forces, len(months), seed)
    archive = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) if as_zip else None
    try:
        for i, month in enumerate(months):
            for j, force in enumerate(forces):
                neighbour = lsoas[forces[(j + 1) % len(forces)]][:3]
                table = street_month(month, int(volumes[force][i]), lsoas[force], seed=seed + i * 100 + j,
                                     force_name=f"{force.replace('-', ' ').title()} Police", away=neighbour)
                member = f"{month:%Y-%m}/{month:%Y-%m}-{force}-street.csv"
                data = street_csv_bytes(table, crlf=(i + j) % 2 == 1)
                if archive is not None:
                    archive.writestr(member, data)
                else:
                    (Path(out) / member).parent.mkdir(parents=True, exist_ok=True)
                    (Path(out) / member).write_bytes(data)
    finally:
        if archive is not None:
            archive.close()
    return Path(out)
