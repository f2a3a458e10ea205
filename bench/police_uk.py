"""Benchmark of the police.uk feed: the whole ingest_police_uk flow against the floor.

Floor = a bare pyarrow read of the same street files with the declared schema plus a Parquet
write of each: the least any pipeline must do. Target: pipeline <= 3x floor, peak memory < 1 GB.
Each measurement runs in its own process so peak memory (ru_maxrss) is its own.

    python bench/police_uk.py [--rows 1000000] [--months 6]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from harness import REPO, floor, report, run_child, timed_flow  # noqa: E402


def generate(folder: Path, rows: int, months: int) -> list[Path]:
    """Realistic street files, cached by size so repeated runs measure the same bytes."""
    from synth.police_uk import generate_months

    done = folder / "done.json"
    if done.exists() and json.loads(done.read_text()) == {"rows": rows, "months": months}:
        return sorted(folder.rglob("*-street.csv"))
    ref = REPO / "data" / "sample" / "reference" / "LSOA11_WD19_LAD19_EW_LU_lancashire.csv"
    lsoas = [(r["LSOA11CD"], r["LSOA11NM"]) for r in csv.DictReader(open(ref, encoding="utf-8"))]
    month_list = [dt.date(2019 + (3 + i) // 12, (3 + i) % 12 + 1, 1) for i in range(months)]
    paths = generate_months(folder, "lancashire", month_list, rows // months, lsoas)
    done.write_text(json.dumps({"rows": rows, "months": months}))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--workdir", type=Path, default=HERE / "out" / "police_uk")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        from tasks.police_uk.schema import RAW_SCHEMA

        kind, data, out = args.child[0], Path(args.child[1]), Path(args.child[2])
        paths = sorted(data.rglob("*-street.csv"))
        print(json.dumps(floor(paths, RAW_SCHEMA, out) if kind == "floor" else timed_flow("flows.ingest_police_uk:ingest_police_uk", data, out)))
        return
    paths = generate(args.workdir / "data", args.rows, args.months)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        floor_result = run_child(__file__, "floor", args.workdir / "data", Path(tmp) / "floor")
        pipe = run_child(__file__, "pipeline", args.workdir / "data", Path(tmp) / "pipeline")
    assert pipe["rows"] == floor_result["rows"] == pipe["curated"], (pipe, floor_result)
    report(paths, floor_result, pipe, "ingest_police_uk flow: land, read, GX raw, conform, GX curated, Parquet, "
                                      "DuckDB load, load log, marts")


if __name__ == "__main__":
    main()
