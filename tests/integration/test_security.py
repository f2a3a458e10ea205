"""Security on PostgreSQL: the pipeline runs as a loader role that is no superuser and owns only its
schema's tables; an analyst role reads the analysts' schema (facts, dimensions, marts, and what the
loader adds later) but nothing of the quarantine, ops or staging schemas; and no secret (the database password, the pseudonymisation key) reaches the console, the log
files, the report, the warehouse, Prefect's parameters, logs or artifacts, or an exception."""

from __future__ import annotations

import json
import uuid
import zipfile

import pytest
import sqlalchemy as sa
from prefect.blocks.system import Secret

from tasks.settings import get_settings
from tests.conftest import PG_BASE, SAMPLE, SAMPLE_REFERENCE, SAMPLE_ZIP, drop_postgres_schema, postgres_schema_url, run_cli
from warehouse.roles import identifier
from warehouse.schemas import MissingSchema, side_schemas

pytestmark = [pytest.mark.usefixtures("prefect_api"), pytest.mark.postgres]
PASSWORD = f"pw-{uuid.uuid4().hex}"
KEY = f"key-{uuid.uuid4().hex}"
LATER_EXPORT = "itk_lancashire_talking_20200331.csv"


def role_url(role: str, schema: str, password: str | None = None, port: int = 5432) -> str:
    """The test database as `role` (trust auth ignores the password; the pipeline must still hide it)."""
    user = f"{role}:{password}" if password else role
    return f"postgresql+psycopg://{user}@127.0.0.1:{port}/test?options=-csearch_path%3D{schema}"


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    """Roles set up by an administrator, then the pipeline run as the loader: (workdir, schema, roles, runs)."""
    workdir = tmp_path_factory.mktemp("secured")
    admin_url, schema = postgres_schema_url()
    tag = uuid.uuid4().hex[:8]
    loader, analyst = f"csp_loader_{tag}", f"csp_analyst_{tag}"
    runs = [run_cli("roles", "--loader", loader, "--analyst", analyst, "--warehouse-url", admin_url, cwd=workdir)]
    assert runs[0].returncode == 0, runs[0].stdout + runs[0].stderr
    env = {"CSP_ANALYST_ROLE": analyst, "CSP_PSEUDONYM_KEY": KEY}
    url = role_url(loader, schema, PASSWORD)
    itk = workdir / "itk"
    with zipfile.ZipFile(SAMPLE / "itk" / "itk_lancashire_talking_2020_GENERATED.zip") as archive:
        archive.extract("itk_lancashire_talking_20200131.csv", itk)  # one export is enough to use the key
    # reference, a police.uk month and an ITK export, then the marts and the report, in one run of the CLI
    runs.append(run_cli("run", "--feeds", "reference,police_uk,itk", "--reference-source", SAMPLE_REFERENCE,
                        "--police-uk-source", str(SAMPLE_ZIP), "--months", "2019-12", "--itk-source", str(itk),
                        "--workdir", str(workdir), "--warehouse-url", url, cwd=workdir, **env))
    assert runs[-1].returncode == 0, runs[-1].stdout[-3000:] + runs[-1].stderr[-3000:]
    # the next export with both secrets from Prefect Secret blocks, as a deployment's job_variables name them
    blocks = {"CSP_WAREHOUSE_URL_SECRET": (f"csp-url-{tag}", url), "CSP_PSEUDONYM_KEY_SECRET": (f"csp-key-{tag}", KEY)}
    for name, value in blocks.values():
        Secret(value=value).save(name)
    with zipfile.ZipFile(SAMPLE / "itk" / "itk_lancashire_talking_2020_GENERATED.zip") as archive:
        archive.extract(LATER_EXPORT, itk / "later")
    runs.append(run_cli("ingest", "itk", "--source", str(itk / "later"), "--workdir", str(workdir), cwd=workdir,
                        CSP_ANALYST_ROLE=analyst, **{variable: name for variable, (name, _) in blocks.items()}))
    assert runs[-1].returncode == 0, runs[-1].stdout[-3000:] + runs[-1].stderr[-3000:]
    down = role_url(loader, schema, PASSWORD, port=5999)  # nothing listens: the run fails on connecting
    runs.append(run_cli("ingest", "police-uk", "--source", str(SAMPLE_ZIP), "--workdir", str(workdir), "--warehouse-url", down, cwd=workdir, **env))
    assert runs[-1].returncode == 1
    yield workdir, schema, loader, analyst, runs
    engine = sa.create_engine(PG_BASE)
    drop_postgres_schema(schema)
    with engine.begin() as conn:
        for role in (loader, analyst):
            conn.execute(sa.text(f"drop owned by {identifier(role)}"))
            conn.execute(sa.text(f"drop role {identifier(role)}"))
    engine.dispose()


def query_all(role: str, schema: str, sql: str, **params) -> list[tuple]:
    """Run one statement as the role, connected as its own tools would (search path: the URL's schema alone); its rows."""
    engine = sa.create_engine(role_url(role, schema))
    try:
        with engine.begin() as conn:
            result = conn.execute(sa.text(sql), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def query_as(role: str, schema: str, sql: str):
    """Run one statement as the role; the scalar it returns."""
    rows = query_all(role, schema, sql)
    return rows[0][0] if rows else None


def test_analyst_reads_facts_dimensions_and_marts(secured):
    _, schema, _, analyst, _ = secured
    assert query_as(analyst, schema, "select count(*) from fact_street_crime") > 10_000
    assert query_as(analyst, schema, "select count(*) from fact_itk_response") > 10_000
    assert query_as(analyst, schema, "select count(*) from dim_geography") > 0
    assert query_as(analyst, schema, "select count(*) from mart_crime_trend") > 0
    assert query_as(analyst, schema, "select count(*) from mart_community_issues") > 0


@pytest.mark.parametrize("sql", [
    "select count(*) from {quarantine}.quarantine_street_crime",
    "select count(*) from {quarantine}.quarantine_itk_response",
    "select count(*) from {ops}.etl_load_log",
    "select count(*) from {staging}.etl_stage_itk_response",
    "delete from fact_street_crime",
    "insert into mart_crime_trend select * from mart_crime_trend",
    "create table analyst_scratch (x int)",
    "create table {staging}.analyst_scratch (x int)",
])
def test_analyst_cannot_read_raw_values_or_write(secured, sql):
    _, schema, _, analyst, _ = secured
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
        query_as(analyst, schema, sql.format(**side_schemas(schema)))


def test_the_side_schemas_hold_what_analysts_must_not_read(secured):
    _, schema, loader, analyst, _ = secured
    sides = side_schemas(schema)
    where = {table: place for place, table in query_all(
        loader, schema, "select table_schema, table_name from information_schema.tables where table_schema like :s", s=f"{schema}%")}
    assert where["fact_street_crime"] == where["mart_crime_trend"] == where["dim_geography"] == schema
    assert where["quarantine_street_crime"] == where["quarantine_itk_response"] == sides["quarantine"]
    assert where["etl_load_log"] == sides["ops"] and where["etl_stage_itk_response"] == sides["staging"]
    # nothing is left aside after the builds, and the analyst sees no table of a side schema
    assert not [t for t in where if t.endswith("__next")]
    seen = query_all(analyst, schema, "select table_schema from information_schema.tables where table_schema like :s", s=f"{schema}%")
    assert {place for (place,) in seen} == {schema}


def test_a_table_the_loader_makes_later_is_the_analysts_to_read_by_the_schemas_default_privileges(secured):
    _, schema, loader, analyst, _ = secured
    query_as(loader, schema, "create table mart_made_later as select 1 as x")
    query_as(loader, schema, f"create table {side_schemas(schema)['quarantine']}.quarantine_made_later as select 1 as x")
    try:
        assert query_as(analyst, schema, "select x from mart_made_later") == 1
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            query_as(analyst, schema, f"select x from {side_schemas(schema)['quarantine']}.quarantine_made_later")
    finally:
        query_as(loader, schema, "drop table mart_made_later")
        query_as(loader, schema, f"drop table {side_schemas(schema)['quarantine']}.quarantine_made_later")


@pytest.mark.parametrize("sql", ["create role intruder", "select count(*) from pg_authid",
                                 "create schema elsewhere", "set role postgres"])
def test_loader_has_no_rights_beyond_its_schema(secured, sql):
    _, schema, loader, _, _ = secured
    assert query_as(loader, schema, f"select rolsuper or rolcreaterole or rolcreatedb from pg_roles where rolname = '{loader}'") is False
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied|must have"):
        query_as(loader, schema, sql)


def prefect_records() -> str:
    """Every flow run's parameters, every log line and every artifact the session's Prefect API holds."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        parts = [r.model_dump_json() for r in client.read_flow_runs(limit=200)]
        parts += [r.model_dump_json() for r in client.read_logs(limit=200)]
        parts += [r.model_dump_json() for r in client.read_artifacts(limit=200)]
    return "\n".join(parts)


def test_no_secret_anywhere(secured):
    workdir, schema, loader, _, runs = secured
    failed = runs[-1].stdout + runs[-1].stderr
    assert "5999" in failed and "***" in failed or "connect" in failed.lower()  # it says what failed, masked
    places = {f"output of {' '.join(r.args[1:3])}": r.stdout + r.stderr for r in runs}
    places |= {str(p): p.read_bytes().decode("utf-8", "replace") for p in workdir.rglob("*")
               if p.is_file() and p.suffix in {".log", ".html", ".csv", ".md", ".json", ".jsonl", ".txt"}}
    places["prefect"] = prefect_records()
    assert str(workdir) in places["prefect"], "the scan should see this module's flow runs"
    engine = sa.create_engine(PG_BASE)
    with engine.connect() as conn:
        log = conn.execute(sa.text(f"select * from {identifier(side_schemas(schema)['ops'])}.etl_load_log")).all()
    engine.dispose()
    places["etl_load_log"] = json.dumps([list(map(str, row)) for row in log])
    assert len(places) > 20
    for where, text in places.items():
        assert PASSWORD not in text, f"the database password is in {where}"
        assert KEY not in text, f"the pseudonymisation key is in {where}"


def test_secret_blocks_give_the_warehouse_url_and_the_pseudonym_key(secured):
    """The run that named Secret blocks instead of passing values loaded into the loader's schema, with the key."""
    import csv
    import hashlib
    import hmac

    import pyarrow.parquet as pq

    workdir, schema, loader, _, runs = secured
    assert "ingest itk" in " ".join(runs[-2].args)
    loaded = query_as(loader, schema, f"select count(*) from {side_schemas(schema)['ops']}.etl_load_log where source_name like '%/{LATER_EXPORT}' and status = 'loaded'")
    assert loaded == 1  # the URL (and its password) came from the block: nothing else named this warehouse
    with open(workdir / "itk" / "later" / LATER_EXPORT, encoding="utf-8") as handle:
        members = {row["response_id"]: row["member_id"] for row in csv.DictReader(handle)}
    (part,) = (workdir / "lake" / "curated" / "itk_response").glob("export_date=2020-03-31/data.parquet")
    lake = pq.read_table(part, columns=["response_id", "member_pseudonym"]).to_pylist()
    assert len(lake) > 10_000
    for row in lake:  # the block's key, not a key file made in the workdir
        assert row["member_pseudonym"] == hmac.new(KEY.encode(), members[row["response_id"]].encode(), hashlib.sha256).hexdigest()
    assert not (workdir / "secrets").exists()


def test_a_password_is_never_a_flow_parameter():
    with pytest.raises(ValueError, match="CSP_WAREHOUSE_URL"):
        get_settings(warehouse_url=f"postgresql+psycopg://someone:{PASSWORD}@db/warehouse")
    assert get_settings(warehouse_url="postgresql+psycopg://someone@db/warehouse").warehouse_url


def test_a_loader_whose_side_schemas_are_missing_is_told_to_run_roles(secured):
    """A warehouse set up before the side schemas: the loader may not create them, and says who can."""
    from warehouse.engine import ensure_schema, open_engine

    _, schema, loader, _, _ = secured
    admin = sa.create_engine(PG_BASE)
    staging = side_schemas(schema)["staging"]
    with admin.begin() as conn:
        conn.execute(sa.text(f"alter schema {identifier(staging)} rename to {identifier(staging + '_away')}"))
    try:
        with pytest.raises(MissingSchema, match=f"schema {staging} is missing .* run `csp-pipeline roles`"):
            ensure_schema(open_engine(role_url(loader, schema)))
    finally:
        open_engine(role_url(loader, schema)).dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f"alter schema {identifier(staging + '_away')} rename to {identifier(staging)}"))
        admin.dispose()
