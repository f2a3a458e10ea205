"""Declared schemas of the force's recorded-crime extract (shared/specs/recorded_crime.md).

Raw grain: one row per crime record the force recorded in the file's month.
`officer_notes` (personal data) and the force's free-text `offence_description` are part of the
contract's header but are never read out of the landed file: the curated description comes
from the offence classification reference.
"""

import pyarrow as pa

FEED = "recorded_crime"

HEADER = [
    "crime_ref", "recorded_date", "offence_date", "ho_offence_code", "offence_description", "lsoa_code",
    "domestic_abuse_flag", "hate_crime_strand", "alcohol_flag", "knife_flag", "online_flag",
    "victim_age", "victim_sex", "suspect_age", "suspect_sex", "officer_notes",
]
NOT_READ = {"officer_notes", "offence_description"}
RAW_SCHEMA = pa.schema([(c, pa.string()) for c in HEADER if c not in NOT_READ])
FLAGS = {"domestic_abuse_flag": "is_domestic_abuse", "alcohol_flag": "is_alcohol_related",
         "knife_flag": "is_knife_crime", "online_flag": "is_online"}
HATE_STRANDS = ["Race", "Religion", "Sexual orientation", "Disability", "Transgender"]

CURATED_SCHEMA = pa.schema([
    ("month", pa.date32()),
    ("force", pa.string()),
    ("crime_ref", pa.string()),
    ("recorded_date", pa.date32()),
    ("offence_date", pa.date32()),
    ("ho_offence_code", pa.string()),
    ("offence_description", pa.string()),
    ("offence_group", pa.string()),
    ("offence_subgroup", pa.string()),
    ("police_uk_crime_type", pa.string()),
    ("weight", pa.float64()),
    ("weights_version", pa.string()),
    ("lsoa_code", pa.string()),
    ("has_location", pa.bool_()),
    ("out_of_area", pa.bool_()),
    ("ward_code", pa.string()),
    ("ward_name", pa.string()),
    ("authority_code", pa.string()),
    ("authority_name", pa.string()),
    ("bcu", pa.string()),
    ("force_area_code", pa.string()),
    ("force_area_name", pa.string()),
    ("is_domestic_abuse", pa.bool_()),
    ("is_alcohol_related", pa.bool_()),
    ("is_knife_crime", pa.bool_()),
    ("is_online", pa.bool_()),
    ("hate_crime_strand", pa.string()),
    ("is_hate_crime", pa.bool_()),
    ("is_serious_violence", pa.bool_()),
    ("serious_violence_rules", pa.string()),
    ("victim_age", pa.int16()),
    ("victim_sex", pa.string()),
    ("suspect_age", pa.int16()),
    ("suspect_sex", pa.string()),
    ("source_row", pa.int32()),
])

QUARANTINE_SCHEMA = pa.schema(
    [("file_month", pa.date32()), ("force", pa.string())]
    + list(RAW_SCHEMA)
    + [("source_row", pa.int32()), ("rule", pa.string()), ("raw_text", pa.string())]
)
