"""Benchmark of the force extract feed: the ingest_recorded_crime flow on a generated year
(about 140,000 crimes, Lancashire scale) against the floor (pyarrow read + Parquet write).

    python bench/recorded_crime.py [--months 12] [--rows-per-month 11700]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from harness import REPO, floor, report, run_child, timed_flow  # noqa: E402


def generate(folder: Path, months: int, rows: int) -> list[Path]:
    """A generated year of extracts, cached by size."""
    from synth.recorded_crime import generate_year, lancashire_lsoas

    done = folder / "done.json"
    if done.exists() and json.loads(done.read_text()) == {"months": months, "rows": rows}:
        return sorted(folder.glob("recorded_crime_*.csv"))
    paths = generate_year(folder, dt.date(2019, 4, 1), months, rows, lancashire_lsoas(REPO / "data" / "sample" / "reference"))
    done.write_text(json.dumps({"months": months, "rows": rows}))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--rows-per-month", type=int, default=11_700)
    parser.add_argument("--workdir", type=Path, default=HERE / "out" / "recorded_crime")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        import pyarrow as pa

        from tasks.recorded_crime.schema import HEADER

        kind, data, out = args.child[0], Path(args.child[1]), Path(args.child[2])
        schema = pa.schema([(c, pa.string()) for c in HEADER])
        paths = sorted(data.glob("recorded_crime_*.csv"))
        print(json.dumps(floor(paths, schema, out) if kind == "floor" else timed_flow("flows.ingest_recorded_crime:ingest_recorded_crime", data, out)))
        return
    paths = generate(args.workdir / "data", args.months, args.rows_per_month)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        floor_result = run_child(__file__, "floor", args.workdir / "data", Path(tmp) / "floor")
        pipe = run_child(__file__, "pipeline", args.workdir / "data", Path(tmp) / "pipeline")
    assert pipe["rows"] == floor_result["rows"], (pipe, floor_result)
    report(paths, floor_result, pipe, "ingest_recorded_crime flow: land, read, GX raw, conform, GX curated, Parquet, "
                                      "DuckDB load, load log, marts")


if __name__ == "__main__":
    main()
