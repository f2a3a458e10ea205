"""Declared schemas of the police.uk street file, as published and as curated.

Raw grain: one row per published street row (a crime or an ASB incident) per force per month.
Curated grain: the same rows, typed, with geography and flags; nothing is merged or dropped.
"""

import pyarrow as pa

FEED = "police_uk_street"
ASB = "Anti-social behaviour"

RAW_COLUMNS = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
]

# Coordinates are typed at read: a value that is not a number makes the file unreadable,
# and the reader says which column and value.
RAW_SCHEMA = pa.schema(
    [(c, pa.float64() if c in ("Longitude", "Latitude") else pa.string()) for c in RAW_COLUMNS]
)

# snake_case names of the published columns, used for quarantine and as curated column names.
SNAKE = {c: c.lower().replace(" ", "_") for c in RAW_COLUMNS}

CURATED_SCHEMA = pa.schema([
    ("month", pa.date32()),
    ("force", pa.string()),
    ("force_area_code", pa.string()),
    ("force_area_name", pa.string()),
    ("crime_id", pa.string()),
    ("crime_id_occurrence", pa.int32()),
    ("crime_id_repeats", pa.int32()),
    ("reported_by", pa.string()),
    ("falls_within", pa.string()),
    ("longitude", pa.float64()),
    ("latitude", pa.float64()),
    ("location", pa.string()),
    ("lsoa_code", pa.string()),
    ("lsoa_name", pa.string()),
    ("crime_type", pa.string()),
    ("last_outcome_category", pa.string()),
    ("context", pa.string()),
    ("is_asb", pa.bool_()),
    ("has_location", pa.bool_()),
    ("out_of_area", pa.bool_()),
    ("ward_code", pa.string()),
    ("ward_name", pa.string()),
    ("authority_code", pa.string()),
    ("authority_name", pa.string()),
    ("bcu", pa.string()),
    ("source_row", pa.int32()),
])

QUARANTINE_SCHEMA = pa.schema(
    [("file_month", pa.date32()), ("force", pa.string())]
    + [(SNAKE[c], RAW_SCHEMA.field(c).type) for c in RAW_COLUMNS]
    + [
        ("source_row", pa.int32()),
        ("rule", pa.string()),
        ("raw_text", pa.string()),
    ]
)
