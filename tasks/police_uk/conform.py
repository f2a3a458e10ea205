"""Conform validated street rows: typed month, geography, flags and numbered repeats of a Crime ID.

Repeated Crime IDs (about 1.4% of crime rows; mostly identical rows, the rest differing only in
outcome) are all kept, as police.uk publishes them: `crime_id_occurrence` numbers the rows of an
ID in file order and `crime_id_repeats` says how many there are. Counting distinct crimes is
`where crime_id_occurrence = 1 or is_asb`; counting published rows, as police.uk does, is all rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from tasks.police_uk.schema import ASB, CURATED_SCHEMA


@dataclass(frozen=True)
class ForceArea:
    """A police force: its police.uk slug and its ONS police force area."""

    force: str
    code: str
    name: str


def force_area(dim: pa.Table, force: str) -> ForceArea:
    """The force's ONS area from dim_geography; a force with no geography loaded is an error."""
    con = duckdb.connect()
    con.register("dim", dim)
    row = con.execute(
        "select force_area_code, force_area_name from dim where force = ? group by all order by count(*) desc limit 1",
        [force],
    ).fetchone()
    if row is None:
        raise LookupError(
            f"force {force!r} has no LSOAs in dim_geography: load its geography (csp-pipeline ingest reference)"
        )
    return ForceArea(force, row[0], row[1])


def conform_street(
    good: pa.Table, dim: pa.Table, area: ForceArea, month: dt.date, sha256: str, run_id: str
) -> pa.Table:
    """Validated raw rows -> fact_street_crime rows, one for one, in file order."""
    con = duckdb.connect()
    con.register("raw", good)
    con.register("dim", dim)
    result = con.sql(
        """
        select
            ?::date as month,
            ? as force, ? as force_area_code, ? as force_area_name,
            r."Crime ID" as crime_id,
            case when r."Crime ID" is not null
                 then row_number() over (partition by r."Crime ID" order by r.source_row) end as crime_id_occurrence,
            case when r."Crime ID" is not null
                 then count(*) over (partition by r."Crime ID") end as crime_id_repeats,
            r."Reported by" as reported_by, r."Falls within" as falls_within,
            r."Longitude" as longitude, r."Latitude" as latitude, r."Location" as location,
            r."LSOA code" as lsoa_code, r."LSOA name" as lsoa_name,
            r."Crime type" as crime_type, r."Last outcome category" as last_outcome_category,
            r."Context" as context,
            r."Crime type" = ? as is_asb,
            r."LSOA code" is not null as has_location,
            r."LSOA code" is not null and coalesce(g.force_area_code <> ?, true) as out_of_area,
            g.ward_code, g.ward_name, g.authority_code, g.authority_name,
            case when g.force_area_code = ? then g.bcu end as bcu,
            r.source_row,
            ? as source_sha256, ? as run_id
        from raw r
        left join dim g on g.lsoa_code = r."LSOA code"
        order by r.source_row
        """,
        params=[month, area.force, area.code, area.name, ASB, area.code, area.code, sha256, run_id],
    ).to_arrow_table()
    return result.cast(CURATED_SCHEMA)


def unknown_lsoas(curated: pa.Table) -> int:
    """Rows whose LSOA code is in no row of dim_geography (outside the vintage or slice loaded)."""
    con = duckdb.connect()
    con.register("c", curated)
    return con.execute("select count(*) from c where lsoa_code is not null and authority_code is null").fetchone()[0]
