"""Declared schemas of the Lancashire Talking (ITK) export (shared/specs/itk_survey.md).

Raw grain: one row per version of a completed response, as the cumulative export repeats it.
`other_issue_text` (free text) is in the contract's header but never read out of the landed
file. `member_id` and `postcode` are read only to be replaced: the member by a keyed pseudonym,
the postcode by its district. Neither raw value is ever written to the lake or the warehouse.
"""

import pyarrow as pa

FEED = "itk"

ISSUE_COLUMNS = [f"issue_{i}" for i in range(1, 6)]
HEADER = [
    "response_id", "member_id", "submitted_at", "updated_at", "postcode", "ward_code", "ward_name", "district",
    *ISSUE_COLUMNS, "other_issue_text", "age_band",
]
NOT_READ = {"other_issue_text"}
PII = {"member_id", "postcode", "other_issue_text"}
RAW_SCHEMA = pa.schema([(c, pa.string()) for c in HEADER if c not in NOT_READ])

# The contract's issue list, "Category: Detail".
ISSUES = {
    "Anti-social behaviour": ["Noise nuisance", "Neighbour disputes", "Youth-related ASB", "Littering and fly-tipping"],
    "Road safety": ["Speeding", "Nuisance motorbikes", "Parking and highway obstruction", "Drink or drug driving"],
    "Drugs": ["Drug dealing", "Drug taking"],
    "Burglary": ["House burglary"],
    "Criminal damage": ["Graffiti", "Arson", "Vandalism"],
    "Alcohol": ["Street drinking", "Alcohol-related disorder"],
    "Fraud": ["Bogus callers", "Courier fraud", "Online and cyber fraud"],
    "Violent crime": ["Knife crime", "Assault", "Domestic abuse"],
    "Other": ["Other (see other_issue_text)"],
}
ISSUE_VALUES = [f"{category}: {detail}" for category, details in ISSUES.items() for detail in details]
AGE_BANDS = ["16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+", "Prefer not to say"]
# Points a mention earns by its rank: rank 1 = 5 ... rank 5 = 1.
PRIORITY_POINTS = {rank: 6 - rank for rank in range(1, 6)}

RESPONSE_SCHEMA = pa.schema([
    ("export_date", pa.date32()),
    ("response_id", pa.string()),
    ("member_pseudonym", pa.string()),
    ("submitted_at", pa.timestamp("us")),
    ("updated_at", pa.timestamp("us")),
    ("postcode_district", pa.string()),
    ("ward_code", pa.string()),
    ("ward_name", pa.string()),
    ("authority_code", pa.string()),
    ("authority_name", pa.string()),
    ("bcu", pa.string()),
    ("age_band", pa.string()),
    ("issues_named", pa.int8()),
    ("source_row", pa.int32()),
])
"""Curated grain: one row per version of a response in one export (the warehouse keeps the latest)."""

ISSUE_SCHEMA = pa.schema([
    ("export_date", pa.date32()),
    ("response_id", pa.string()),
    ("updated_at", pa.timestamp("us")),
    ("issue_rank", pa.int8()),
    ("issue_category", pa.string()),
    ("issue_detail", pa.string()),
    ("priority_points", pa.int8()),
])
"""Curated grain: one row per issue named in a version of a response, by its rank (1-5)."""

# Quarantined rows keep what was read, with the personal data already replaced.
QUARANTINE_SCHEMA = pa.schema(
    [("export_date", pa.date32()), ("response_id", pa.string()), ("member_pseudonym", pa.string()),
     ("submitted_at", pa.string()), ("updated_at", pa.string()), ("postcode_district", pa.string())]
    + [(c, pa.string()) for c in ["ward_code", "ward_name", "district", *ISSUE_COLUMNS, "age_band"]]
    + [("source_row", pa.int32()), ("rule", pa.string())]
)
