"""Reference tables published on their own: population, police.uk crime-type harm weights, threat ranking."""

from __future__ import annotations

from typing import Callable

import pyarrow as pa
import pyarrow.compute as pc

from tasks.police_uk.schema import ASB
from tasks.reference.boundaries import LAYOUTS as BOUNDARY_LAYOUTS
from tasks.reference.boundaries import conform_boundaries

# The police.uk weights are an approximation (the ONS weights of the offences inside each
# police.uk type). The median is used: the mean of a type's offence weights counts each
# offence once however rare, so a few rare severe offences (homicide inside "Violence and
# sexual offences") would inflate the whole type; the median tracks the typical offence.
POLICEUK_WEIGHT_STATISTIC = "median_weight"


def weights_version(sha256: str) -> str:
    """A harm figure's weights version: which statistic of which weights file."""
    return f"policeuk-approx-{POLICEUK_WEIGHT_STATISTIC.split('_')[0]}@{sha256[:12]}"


def conform_css_weights(table: pa.Table, sha256: str) -> pa.Table:
    """The police.uk type weights with the one used for harm; ASB is not a crime and carries no harm."""
    n = table.num_rows
    is_asb = pc.equal(table["police_uk_crime_type"], ASB)
    weight = pc.if_else(is_asb, pa.scalar(None, pa.float64()), table[POLICEUK_WEIGHT_STATISTIC])
    return (
        table.append_column("weight", weight)
        .append_column("weight_statistic", pa.nulls(n, pa.string()).fill_null(POLICEUK_WEIGHT_STATISTIC))
        .append_column("weights_version", pa.nulls(n, pa.string()).fill_null(weights_version(sha256)))
    )


def whole_numbers(columns: list[str]) -> Callable[[pa.Table, str], pa.Table]:
    """A conform step: the columns' counts as published with thousands separators ("9,338", checked by the raw
    suite) as integers."""
    def conform(table: pa.Table, sha256: str) -> pa.Table:
        for name in columns:
            number = pc.replace_substring(table[name], ",", "").cast(pa.int32())
            table = table.set_column(table.schema.get_field_index(name), name, number)
        return table
    return conform


CONFORM = {
    "css_weights_policeuk": conform_css_weights,
    "imd_index": whole_numbers(["imd_rank"]),
    "imd_population": whole_numbers(["population", "children_0_15", "adults_16_59", "older_60_plus", "working_age"]),
    **{layout.dataset: conform_boundaries for layout in BOUNDARY_LAYOUTS},
}


def conform_reference_table(dataset: str, good: pa.Table, sha256: str) -> pa.Table:
    """Validated rows -> the dataset's warehouse table rows (the weights name their file's hash)."""
    return CONFORM.get(dataset, lambda t, _: t)(good, sha256)
