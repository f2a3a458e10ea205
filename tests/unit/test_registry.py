"""The feed registry is the one list: every place that names the feeds agrees with it."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import yaml

from tasks import registry
from warehouse.marts import discover_marts

REPO = Path(__file__).resolve().parents[2]
FEED_CONSTANTS = {  # each feed package's own name for itself, as it writes the load log
    "police_uk": "tasks.police_uk.schema", "recorded_crime": "tasks.recorded_crime.schema", "ho_csp": "tasks.ho_csp.read",
    "itk": "tasks.itk.schema", "trading_standards": "tasks.young_persons.schema", "moj_reoffending": "tasks.reoffending.moj",
    "reoffending_cohort": "tasks.reoffending.cohort",
}


def test_each_feed_flow_takes_what_its_declaration_says():
    for feed in registry.FEEDS:
        parameters = inspect.signature(feed.load_flow().fn).parameters
        assert "source" in parameters, feed.key
        assert ("force" in parameters, "months" in parameters, "rebuild_marts" in parameters) == \
            (feed.by_force, feed.by_month, feed.rebuilds_marts), feed.key


def test_each_feed_is_named_as_its_package_writes_the_load_log():
    import importlib

    for key, module in FEED_CONSTANTS.items():
        assert importlib.import_module(module).FEED == registry.BY_KEY[key].name, key
    assert set(FEED_CONSTANTS) | {"reference"} == set(registry.BY_KEY)


def test_strategic_assessment_has_a_source_parameter_for_each_feed_and_no_other():
    from flows.strategic_assessment import FEEDS, strategic_assessment

    sources = [p for p in inspect.signature(strategic_assessment.fn).parameters if p.endswith("_source")]
    assert sources == [f.source_parameter for f in registry.FEEDS]
    assert FEEDS == [f.key for f in registry.FEEDS]


def test_the_cli_offers_an_ingest_command_and_a_run_source_for_each_feed():
    from flows.cli import build_parser

    parser = build_parser()
    for feed in registry.FEEDS:
        args = parser.parse_args(["ingest", feed.command, "--source", "x"])
        assert args.feed == feed.command and args.source == "x"
        run = parser.parse_args(["run", f"--{feed.source_parameter.replace('_', '-')}", "y"])
        assert getattr(run, feed.source_parameter) == "y"


def test_prefect_yaml_deploys_every_feed_flow():
    spec = yaml.safe_load((REPO / "prefect.yaml").read_text())
    entrypoints = {d["entrypoint"] for d in spec["deployments"]}
    for feed in registry.FEEDS:
        module, function = feed.flow.split(":")
        assert f"{module.replace('.', '/')}.py:{function}" in entrypoints, feed.key


def test_marts_name_only_registered_feeds_and_every_feed_table_has_ddl():
    names = set(registry.BY_NAME)
    for mart in discover_marts().values():
        assert set(mart.feeds) <= names, (mart.name, set(mart.feeds) - names)
    ddl = " ".join(p.read_text() for p in (REPO / "warehouse" / "ddl").glob("*.sql"))
    declared = dict((name, schema) for schema, name in re.findall(r"create table if not exists (?:(\w+)\.)?(\w+)", ddl))
    for feed in registry.FEEDS:
        assert set(feed.facts + feed.quarantine) <= set(declared), feed.key
        # held-back rows live in the quarantine schema, which analysts cannot read (warehouse/schemas.py)
        assert {declared[table] for table in feed.quarantine} == {"quarantine"}, feed.key
        assert all(declared[table] in ("", "staging") for table in feed.facts), feed.key


ARROW_TO_SQL = {  # how an Arrow type is declared in the DDL (both engines; no 1-byte integer on PostgreSQL)
    "string": "VARCHAR", "int8": "SMALLINT", "int16": "SMALLINT", "int32": "INTEGER", "int64": "BIGINT",
    "date32[day]": "DATE", "bool": "BOOLEAN", "double": "DOUBLE", "timestamp[us]": "TIMESTAMP",
}


def published(table: str) -> str:
    """The table a loaded table's rows end in: a stage table is merged into its fact table."""
    return table.replace("etl_stage_", "fact_")


def test_each_feed_declares_its_contract_and_the_tables_it_loads_agree_with_it():
    for feed in registry.FEEDS:
        contract = feed.load_contract()
        assert contract.name == feed.name, feed.key
        assert [published(t.table) for t in contract.fact_targets] == list(feed.facts), feed.key
        assert (contract.quarantine_target.table,) == feed.quarantine, feed.key


def test_each_table_is_loaded_with_the_schema_its_ddl_declares_column_for_column(tmp_path):
    import sqlalchemy as sa

    from tasks.feed import loaded
    from warehouse.engine import ensure_schema, open_engine

    engine = open_engine(f"duckdb:///{tmp_path / 'w.duckdb'}")
    ensure_schema(engine)
    declared = {(name, loaded(t.schema)) for feed in registry.FEEDS for t in feed.load_contract().targets
                if t.schema is not None for name in {t.table, published(t.table)}}
    assert len(declared) == 19
    with engine.connect() as conn:
        for table, schema in declared:
            ddl = conn.execute(sa.text("select column_name, data_type from information_schema.columns "
                                       "where table_name = :t and column_default is null order by ordinal_position"),
                               {"t": table}).all()  # a column with a default is the pipeline's own (a stage's `applied`)
            assert [tuple(c) for c in ddl] == [(f.name, ARROW_TO_SQL[str(f.type)]) for f in schema], table
    engine.dispose()


def test_postgresql_indexes_each_partition_key_the_contracts_declare():
    """Every load deletes and counts its partition: on PostgreSQL each declared key has its index, column for column."""
    ddl = (REPO / "warehouse" / "ddl" / "postgresql" / "010_partition_indexes.sql").read_text()
    indexed = {table: tuple(c.strip() for c in columns.split(",")) for table, columns in
               re.findall(r"create index if not exists ix_\w+_partition on (\w+) \(([^)]*)\)", ddl)}
    declared = {t.table: t.key for feed in registry.FEEDS for t in feed.load_contract().targets if t.key}
    assert indexed == declared
