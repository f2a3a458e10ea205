"""Operating the pipeline: the parent flow keeps going when a feed fails, a crash mid-load leaves
the previous good state, the HTTP fetch path runs the feed, and prefect.yaml deploys."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from flows.common import MissingSource
from flows.ingest_ho_csp import ingest_ho_csp
from flows.ingest_itk import ingest_itk
from flows.ingest_moj_reoffending import ingest_moj_reoffending
from flows.ingest_police_uk import ingest_police_uk
from flows.ingest_recorded_crime import ingest_recorded_crime
from flows.ingest_reference import ingest_reference
from flows.ingest_reoffending_cohort import ingest_reoffending_cohort
from flows.ingest_trading_standards import ingest_trading_standards
from flows.strategic_assessment import AssessmentFailed, strategic_assessment
from tasks.report import FeedFailed
from tasks.sample import sample_sources
from tests.conftest import REPO, SAMPLE_REFERENCE, SAMPLE_ZIP, query, start_prefect_server, wait_for_prefect

pytestmark = pytest.mark.usefixtures("prefect_api")


@pytest.mark.system
def test_one_feed_failing_does_not_stop_the_others(tmp_path, itk_exports, survey_waves):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    sources = sample_sources() | dict(police_uk_source=str(tmp_path / "missing"), itk_source=str(itk_exports[0]),
                                      trading_standards_source=str(survey_waves[-1]))
    with pytest.raises(AssessmentFailed) as err:
        strategic_assessment(**sources, months="2019-12", workdir=str(tmp_path / "var"), warehouse_url=url,
                             feeds=["reference", "police_uk", "recorded_crime", "ho_csp", "itk", "trading_standards"])
    assert "police_uk" in str(err.value) and "source not found" in str(err.value)
    assert query(url, "select count(*) from dim_geography") == [(941,)]          # reference still loaded
    assert query(url, "select count(*) from fact_recorded_crime") == [(11700,)]   # the next feeds still ran
    assert query(url, "select count(distinct wave) from fact_young_persons_response") == [(1,)]
    assert query(url, "select count(*) > 0 from mart_community_issues") == [(True,)]
    assert sorted(query(url, "select distinct source from mart_crime_trend")) == [("force_extract",), ("ho_csp",)]
    assert query(url, "select count(*) from etl_load_log where feed like '%reoffending%'") == [(0,)]  # not in `feeds`


FEED_FLOWS = {
    "reference": ingest_reference, "police_uk": ingest_police_uk, "recorded_crime": ingest_recorded_crime,
    "ho_csp": ingest_ho_csp, "itk": ingest_itk, "trading_standards": ingest_trading_standards,
    "moj_reoffending": ingest_moj_reoffending, "reoffending_cohort": ingest_reoffending_cohort,
}


@pytest.mark.parametrize("feed", FEED_FLOWS)
def test_a_feed_without_a_source_fails_naming_it_and_touches_nothing(tmp_path, feed):
    # The flow's own body (.fn): the check comes first; the deployment test runs it as a real flow run.
    with pytest.raises(MissingSource, match="set the `source` parameter"):
        FEED_FLOWS[feed].fn(source=None, workdir=str(tmp_path / "var"), warehouse_url=f"duckdb:///{tmp_path / 'w.duckdb'}")
    assert list(tmp_path.iterdir()) == []  # no warehouse, no workdir: the bundled sample was not loaded either


def test_the_assessment_without_sources_fails_naming_each_before_loading_anything(tmp_path):
    where = dict(workdir=str(tmp_path / "var"), warehouse_url=f"duckdb:///{tmp_path / 'w.duckdb'}")
    with pytest.raises(MissingSource) as err:
        strategic_assessment(**where)
    assert all(f"{feed}_source" in str(err.value) for feed in FEED_FLOWS)
    with pytest.raises(MissingSource, match="no source given for itk_source: "):
        strategic_assessment(feeds=["reference", "itk"], reference_source=sample_sources()["reference_source"], **where)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_a_crash_mid_load_leaves_the_previous_good_state(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    where = dict(workdir=str(tmp_path / "var"), warehouse_url=url)
    ingest_reference(source=SAMPLE_REFERENCE, **where)
    ingest_police_uk(source=str(SAMPLE_ZIP), months="2020-01", **where)
    before = query(url, "select count(*), max(load_id) from fact_street_crime")
    partition = tmp_path / "var" / "lake" / "curated" / "police_uk_street" / "force=lancashire" / "month=2020-01"
    lake_before = (partition / "data.parquet").read_bytes()
    import tasks.publish

    def crash(*args, **kwargs):
        raise RuntimeError("killed mid-load")

    monkeypatch.setattr(tasks.publish, "insert_log_rows", crash)  # in the transaction, after the partition's rows
    with pytest.raises(FeedFailed, match="warehouse load failed, previous state kept: RuntimeError"):
        ingest_police_uk(source=str(SAMPLE_ZIP), months="2020-01", **where)
    assert query(url, "select count(*), max(load_id) from fact_street_crime") == before
    assert (partition / "data.parquet").read_bytes() == lake_before          # the lake kept its file
    assert [p.name for p in partition.iterdir()] == ["data.parquet"]          # and no staged leftovers
    assert query(url, "select status from etl_load_log where feed = 'police_uk_street' order by finished_at") == [
        ("loaded",), ("failed",)]


@pytest.mark.slow
def test_the_lake_reads_as_a_hive_partitioned_dataset_matching_the_warehouse(tmp_path):
    import pyarrow.dataset as ds

    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    where = dict(workdir=str(tmp_path / "var"), warehouse_url=url)
    ingest_reference(source=SAMPLE_REFERENCE, **where)
    ingest_police_uk(source=str(SAMPLE_ZIP), months="2019-12:2020-01", **where)
    dataset = ds.dataset(tmp_path / "var" / "lake" / "curated" / "police_uk_street", format="parquet", partitioning="hive")
    table = dataset.to_table()
    by_month = {m: n for m, n in zip(*table.group_by("month").aggregate([("month", "count")]).to_pydict().values())}
    assert by_month == {"2019-12": 14748, "2020-01": 16153}
    assert set(table["force"].to_pylist()) == {"lancashire"}


@pytest.fixture
def archive_server(tmp_path):
    """A local HTTP server with data.police.uk's archive layout."""
    root = tmp_path / "www"
    (root / "data" / "archive").mkdir(parents=True)
    shutil.copy(SAMPLE_ZIP, root / "data" / "archive" / "2020-03.zip")
    handler = partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.system
def test_fetching_a_month_archive_over_http_runs_the_feed(tmp_path, archive_server, monkeypatch):
    monkeypatch.setenv("CSP_POLICE_UK_BASE_URL", archive_server)
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    where = dict(workdir=str(tmp_path / "var"), warehouse_url=url)
    ingest_reference(source=SAMPLE_REFERENCE, **where)
    result = ingest_police_uk(fetch_month="2020-03", months="2020-02:2020-03", **where)
    assert result["totals"]["rows_in"] == 15344 + 18093
    assert (tmp_path / "var" / "downloads" / "police_uk" / "2020-03.zip").exists()


def test_prefect_yaml_deploys_every_flow_with_documented_parameters(tmp_path):
    spec = yaml.safe_load((REPO / "prefect.yaml").read_text())
    names = {d["name"] for d in spec["deployments"]}
    assert {"police-uk-monthly", "strategic-assessment"} <= names
    for dep in spec["deployments"]:
        module, func = dep["entrypoint"].split(":")
        flow_obj = getattr(__import__(module[:-3].replace("/", "."), fromlist=[func]), func)
        assert set(dep.get("parameters", {})) <= set(flow_obj.parameters.properties), dep["name"]
        assert dep["work_pool"]["name"] == "csp-process"
    monthly = next(d for d in spec["deployments"] if d["name"] == "police-uk-monthly")
    assert monthly["schedules"][0]["cron"].split()[2:4] == ["25", "*"]


def deploy_all(api_url: str) -> tuple[dict, list[str]]:
    """The process pool and `prefect deploy --all` against an API, as the README tells an operator; returns
    the environment and command prefix that reach it."""
    env = {**os.environ, "PREFECT_API_URL": api_url, "CSP_REPO_DIR": str(REPO)}
    prefect = [sys.executable, "-m", "prefect"]
    subprocess.run([*prefect, "work-pool", "create", "csp-process", "--type", "process"], env=env,
                   cwd=REPO, check=False, capture_output=True, timeout=120)
    done = subprocess.run([*prefect, "--no-prompt", "deploy", "--all"], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return env, prefect


@pytest.mark.server
def test_prefect_deploy_registers_the_deployments(deployed):
    """`prefect deploy --all` against a real server, as the README tells an operator to run it."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: deployed[0]}), get_client(sync_client=True) as client:
        deployments = {d.name: d for d in client.read_deployments()}
    assert {"police-uk-monthly", "strategic-assessment", "reference-on-demand", "build-marts-on-demand",
            "recorded-crime-monthly", "ho-csp-quarterly", "itk-survey-on-demand", "trading-standards-on-demand",
            "moj-reoffending-quarterly", "reoffending-cohort-quarterly", "report-on-demand"} <= set(deployments)
    monthly = deployments["police-uk-monthly"]
    assert monthly.work_pool_name == "csp-process"
    assert [s.schedule.cron for s in monthly.schedules] == ["0 6 25 * *"]
    assert monthly.parameters["fetch_month"] == "latest"
    # every deployment runs one at a time, a second run waiting for the first rather than overlapping it
    for name, deployment in deployments.items():
        assert deployment.global_concurrency_limit is not None and deployment.global_concurrency_limit.limit == 1, name
        assert deployment.concurrency_options.collision_strategy == "ENQUEUE", name


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    """A real `prefect server start` of its own (work pools and deployments kept apart from the other tests), and
    `prefect deploy --all` run against it as the README tells an operator: (api url, environment, prefect command)."""
    server, api = start_prefect_server(tmp_path_factory.mktemp("prefect-home"))
    try:
        wait_for_prefect(api, server)
        yield (api, *deploy_all(api))
    finally:
        server.terminate()
        server.wait(timeout=30)


def run_deployments(deployed, cwd, runs: dict[str, dict]) -> dict[str, tuple]:
    """Create a flow run of each named deployment with its parameters, then a process worker for one polling
    round (it waits for the runs' subprocesses): {name: (final state, artifacts by key)}, read through the API."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
    from prefect.settings import PREFECT_API_URL, temporary_settings

    api, env, prefect = deployed
    with temporary_settings(updates={PREFECT_API_URL: api}), get_client(sync_client=True) as client:
        created = {name: client.create_flow_run_from_deployment(client.read_deployment_by_name(name).id, parameters=parameters)
                   for name, parameters in runs.items()}
        worker = subprocess.run([*prefect, "worker", "start", "--pool", "csp-process", "--run-once"], env=env,
                                cwd=cwd, capture_output=True, text=True, timeout=600)
        out = {}
        for name, run in created.items():
            artifacts = {a.key: a for a in client.read_artifacts(
                artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id])))}
            out[name] = (client.read_flow_run(run.id).state, artifacts)
    out["worker"] = (worker.stdout[-3000:], worker.stderr[-3000:])
    return out


@pytest.mark.server
def test_a_process_worker_runs_a_deployment_to_completed_with_its_artifacts(tmp_path, deployed):
    """On a real `prefect server`: a run of reference-on-demand, picked up by a process worker, ends Completed
    with its artifacts."""
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    done = run_deployments(deployed, tmp_path, {"ingest_reference/reference-on-demand": {
        "source": SAMPLE_REFERENCE, "workdir": str(tmp_path / "var"), "warehouse_url": url}})
    state, artifacts = done["ingest_reference/reference-on-demand"]
    assert state.is_completed(), (state, done["worker"])
    assert {"reference-files", "reference-validation", "reference-quarantine"} <= set(artifacts)
    assert not any("file://" in str(a.data) for a in artifacts.values())  # links the UI could not open
    [(rows_in,)] = query(url, "select sum(rows_in) from etl_load_log where status = 'loaded'")
    assert rows_in > 149_000 and f"{rows_in:,} rows in" in artifacts["reference-validation"].data  # the IMD's 4 x 33-43k
    assert query(url, "select count(*) from dim_geography") == [(941,)]


@pytest.mark.server
def test_deployment_runs_with_an_empty_source_fail_naming_it_and_change_nothing(tmp_path, deployed):
    """The assessment and a feed deployment, run with their default (empty) sources against a warehouse that
    already holds data: both fail naming the parameters, and the warehouse and workdir are unchanged."""
    import hashlib

    warehouse = tmp_path / "w.duckdb"
    where = dict(workdir=str(tmp_path / "var"), warehouse_url=f"duckdb:///{warehouse}")
    ingest_reference(source=SAMPLE_REFERENCE, **where)
    ingest_police_uk(source=str(SAMPLE_ZIP), months="2020-03", **where)

    def snapshot() -> tuple:
        files = sorted((str(p.relative_to(tmp_path)), p.stat().st_size) for p in tmp_path.rglob("*") if p.is_file())
        return hashlib.sha256(warehouse.read_bytes()).hexdigest(), files

    before = snapshot()
    done = run_deployments(deployed, tmp_path, {
        "strategic_assessment/strategic-assessment": where,
        "ingest_itk/itk-survey-on-demand": {"source": None, **where}})
    assessment, _ = done["strategic_assessment/strategic-assessment"]
    itk, _ = done["ingest_itk/itk-survey-on-demand"]
    assert assessment.is_failed() and itk.is_failed(), (assessment, itk, done["worker"])
    assert all(f"{feed}_source" in assessment.message for feed in FEED_FLOWS), assessment.message
    assert "set the `source` parameter" in itk.message, itk.message
    assert snapshot() == before
    assert query(where["warehouse_url"], "select count(*) from fact_street_crime") == [(18093,)]
