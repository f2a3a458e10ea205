"""The side schemas' names beside a base schema, and the DDL's side tables placed in them."""

from __future__ import annotations

from warehouse.schemas import placed, side_schemas


def test_side_schemas_are_plain_beside_a_default_schema_and_prefixed_beside_any_other():
    assert side_schemas("public") == side_schemas("main") == {"staging": "staging", "ops": "ops", "quarantine": "quarantine"}
    assert side_schemas("lancashire") == {"staging": "lancashire_staging", "ops": "lancashire_ops",
                                          "quarantine": "lancashire_quarantine"}


def test_the_ddl_names_side_schemas_by_kind_and_placed_names_them_as_they_are():
    statement = "create table if not exists quarantine.quarantine_street_crime (raw_text text default 'ops.x')"
    assert placed(statement, "lancashire") == (
        "create table if not exists lancashire_quarantine.quarantine_street_crime (raw_text text default 'ops.x')")
    assert placed(statement, "public") == statement
    # a comment's text is left as written, and only a whole schema word followed by a name is placed
    assert placed("comment on table ops.etl_load_log is 'see quarantine.x'", "t") == "comment on table t_ops.etl_load_log is 'see quarantine.x'"
    assert placed("create table if not exists fact_ops.x_quarantine (a int)", "t") == "create table if not exists fact_ops.x_quarantine (a int)"
