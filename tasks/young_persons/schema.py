"""Declared schemas of the Trading Standards Young Persons Survey (shared/specs/trading_standards_survey.md).

Raw grain: one row per pupil's response in one wave. `free_text` is in the contract's header but
never read out of the landed file. `school_urn` is kept for district-level analysis and never
published below district (the marts aggregate it away).
"""

import pyarrow as pa

FEED = "trading_standards"

YES_NO = ["Yes", "No"]
YES_NO_PREFER = ["Yes", "No", "Prefer not to say"]
YES_NO_DONT_KNOW = ["Yes", "No", "Don't know"]
GENDERS = ["Female", "Male", "Other", "Prefer not to say"]
ALCOHOL_SOURCES = {  # contract value -> curated flag column
    "Parents": "source_parents", "Other family": "source_other_family", "Friends": "source_friends",
    "Bought it myself": "source_bought_self", "Someone bought it for me": "source_bought_for_me", "Other": "source_other",
}
USE_STATUS = ["Never tried", "Tried once or twice", "Used to smoke", "Smoke occasionally", "Smoke regularly"]

HEADER = [
    "response_id", "wave", "completed_on", "school_urn", "district", "age", "gender", "drinks_alcohol",
    "units_per_week", "drinks_with_parents", "alcohol_source", "tried_to_buy_alcohol", "asked_for_id",
    "drinks_due_to_peer_pressure", "drinks_to_get_drunk", "worried_drink_spiked", "smoking_status", "vaping_status",
    "witnessed_knife_incident", "purchased_knife", "knife_crime_issue_where_live", "worried_about_knives",
    "carried_knife", "free_text",
]
NOT_READ = {"free_text"}
RAW_SCHEMA = pa.schema([(c, pa.string()) for c in HEADER if c not in NOT_READ])
YES_NO_COLUMNS = ["drinks_alcohol", "tried_to_buy_alcohol", "drinks_due_to_peer_pressure", "drinks_to_get_drunk",
                  "worried_drink_spiked", "worried_about_knives"]
TRI_STATE_COLUMNS = {"witnessed_knife_incident": YES_NO_PREFER, "purchased_knife": YES_NO_PREFER,
                     "knife_crime_issue_where_live": YES_NO_DONT_KNOW, "carried_knife": YES_NO_PREFER}

CURATED_SCHEMA = pa.schema([
    ("wave", pa.string()),
    ("response_id", pa.string()),
    ("completed_on", pa.date32()),
    ("school_urn", pa.string()),
    ("authority_code", pa.string()),
    ("authority_name", pa.string()),
    ("is_lancashire_12", pa.bool_()),
    ("age", pa.int8()),
    ("gender", pa.string()),
    ("drinks_alcohol", pa.bool_()),
    ("units_per_week", pa.float64()),
    ("drinks_with_parents", pa.bool_()),
    *[(flag, pa.bool_()) for flag in ALCOHOL_SOURCES.values()],
    ("tried_to_buy_alcohol", pa.bool_()),
    ("asked_for_id", pa.bool_()),
    ("drinks_due_to_peer_pressure", pa.bool_()),
    ("drinks_to_get_drunk", pa.bool_()),
    ("worried_drink_spiked", pa.bool_()),
    ("smoking_status", pa.string()),
    ("vaping_status", pa.string()),
    ("witnessed_knife_incident", pa.string()),
    ("purchased_knife", pa.string()),
    ("knife_crime_issue_where_live", pa.string()),
    ("worried_about_knives", pa.bool_()),
    ("carried_knife", pa.string()),
    ("source_row", pa.int32()),
])
"""Curated grain: one row per pupil's response in one wave; yes/no answers as booleans (null = not asked)."""

QUARANTINE_SCHEMA = pa.schema(
    [("file_wave", pa.string())] + list(RAW_SCHEMA)
    + [("source_row", pa.int32()), ("rule", pa.string())]
)
