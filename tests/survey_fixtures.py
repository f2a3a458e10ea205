"""Small builders shared by the survey tests: the bundled Lancashire wards and authorities, generated exports."""

from __future__ import annotations

import pyarrow as pa
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
    from tasks.itk.generate import lancashire_wards

    return lancashire_wards(REFERENCE)
