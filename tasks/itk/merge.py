"""Merge a staged ITK export into the current responses: the latest updated_at of each response wins.

Exports are cumulative and may arrive in any order, so a version replaces the warehouse's only
when it is strictly newer: loading the same export again, or an older one, changes nothing.
Runs inside the publish transaction, after the export's rows were bulk-loaded into the stage
tables (which it empties again), so a failure anywhere leaves the previous state.
"""

from __future__ import annotations

import sqlalchemy as sa

from tasks.load_log import FileOutcome

STAGE = "etl_stage_itk_response"
STAGE_ISSUES = "etl_stage_itk_response_issue"
RESPONSE_COLUMNS = (
    "export_date, response_id, member_pseudonym, submitted_at, updated_at, postcode_district, ward_code, ward_name, "
    "authority_code, authority_name, bcu, age_band, issues_named, source_row, load_id"
)
ISSUE_COLUMNS = ("export_date, response_id, updated_at, issue_rank, issue_category, issue_detail, priority_points, "
                 "load_id")

# A staged version applies when it is the export's latest of its response and newer than the warehouse's.
MARK_APPLIED = f"""
update {STAGE} set applied = true
where updated_at = (select max(s.updated_at) from {STAGE} s where s.response_id = {STAGE}.response_id)
  and not exists (select 1 from fact_itk_response f
                  where f.response_id = {STAGE}.response_id and f.updated_at >= {STAGE}.updated_at)
"""
COUNTS = f"""
select count(*) as staged,
       coalesce(sum(case when applied and not exists (select 1 from fact_itk_response f
                     where f.response_id = {STAGE}.response_id) then 1 else 0 end), 0) as new_responses,
       coalesce(sum(case when applied then 1 else 0 end), 0) as applied
from {STAGE}
"""
STEPS = [
    f"delete from fact_itk_response_issue where response_id in (select response_id from {STAGE} where applied)",
    f"delete from fact_itk_response where response_id in (select response_id from {STAGE} where applied)",
    f"insert into fact_itk_response ({RESPONSE_COLUMNS}) select {RESPONSE_COLUMNS} from {STAGE} where applied",
    f"""insert into fact_itk_response_issue ({ISSUE_COLUMNS})
        select {', '.join('i.' + c.strip() for c in ISSUE_COLUMNS.split(','))}
        from {STAGE_ISSUES} i
        join {STAGE} s on s.response_id = i.response_id and s.updated_at = i.updated_at
        where s.applied""",
    f"delete from {STAGE_ISSUES}",
    f"delete from {STAGE}",
]


def merge_export(conn: sa.Connection, outcomes: list[FileOutcome]) -> None:
    """Apply the staged export to fact_itk_response and its issues; say what changed on the outcome."""
    conn.execute(sa.text(MARK_APPLIED))
    staged, new, applied = conn.execute(sa.text(COUNTS)).one()
    for step in STEPS:
        conn.execute(sa.text(step))
    note = f"versions applied={applied} (new responses={new}, updated={applied - new}), not newer than the warehouse={staged - applied}"
    for outcome in outcomes:
        outcome.message = f"{outcome.message} {note}".strip() if outcome.message else note
