"""Small builders shared by the survey tests: the bundled Lancashire wards and authorities, generated exports."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from tests.conftest import SAMPLE

REFERENCE = SAMPLE / "reference"


def lancashire_dim() -> pa.Table:
    """The columns of dim_geography the survey feeds use, from the bundled lookups (no warehouse needed)."""
    lookup = pacsv.read_csv(REFERENCE / "LSOA11_WD19_LAD19_EW_LU_lancashire.csv")
    bcu = {r["authority_name"]: r["bcu"] for r in pacsv.read_csv(REFERENCE / "bcu.csv").to_pylist()}
    codes = lookup["LAD19CD"].to_pylist()
    return pa.table({
        "ward_code": lookup["WD19CD"], "ward_name": lookup["WD19NM"], "authority_code": lookup["LAD19CD"],
        "authority_name": lookup["LAD19NM"], "bcu": pa.array([bcu.get(n) for n in lookup["LAD19NM"].to_pylist()]),
        "authority_type": pa.array(["unitary" if c.startswith("E06") else "non-metropolitan district" for c in codes]),
        "force": pa.array(["lancashire"] * lookup.num_rows),
    })


def generator_wards():
    """The ITK generator's ward list (ward_code, ward_name, authority_name, population)."""
    from synth.itk import lancashire_wards

    return lancashire_wards(REFERENCE)


def text_values_in_warehouse(url: str, match) -> set[str]:
    """Every distinct text value in every table of the warehouse's schemas that `match` accepts."""
    import sqlalchemy as sa

    from warehouse.engine import open_engine
    from warehouse.schemas import across

    engine = open_engine(url)
    found = set()
    with engine.connect() as conn:
        columns = across(conn,  # the analysts' schema and its side schemas: quarantine, staging and ops too
            "select table_name, column_name from information_schema.columns where table_schema in :layout "
            "and data_type in ('text', 'VARCHAR', 'character varying')").all()
        for table, column in columns:
            found |= {v for (v,) in conn.execute(sa.text(f"select distinct {column} from {table}")) if v and match(v)}
    engine.dispose()
    return found


def text_values_in_lake(lake: Path, match) -> set[str]:
    """Every text value in every Parquet file under the lake that `match` accepts."""
    import pyarrow.parquet as pq

    found = set()
    for path in lake.rglob("*.parquet"):
        table = pq.read_table(path)
        for name in table.column_names:
            if pa.types.is_string(table.schema.field(name).type):
                found |= {v for v in pc.unique(table[name]).to_pylist() if v and match(v)}
    return found


def sample_pii() -> set[str]:
    """Personal data and free text in the bundled survey and extract samples (values longer than 3 characters)."""
    import csv
    import io
    import zipfile

    columns = {"itk": ("member_id", "postcode", "other_issue_text"), "trading_standards": ("free_text",),
               "recorded_crime": ("officer_notes",)}
    values = set()
    for feed, names in columns.items():
        for archive_path in (SAMPLE / feed).glob("*.zip"):
            with zipfile.ZipFile(archive_path) as archive:
                for member in archive.namelist():
                    rows = csv.DictReader(io.TextIOWrapper(archive.open(member), encoding="utf-8-sig"))
                    values |= {v for row in rows for c in names if (v := row[c]) and len(v) > 3}
    return values
