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

from flows.ingest_police_uk import ingest_police_uk
from flows.ingest_reference import ingest_reference
from flows.strategic_assessment import AssessmentFailed, strategic_assessment
from tasks.report import FeedFailed
from tests.conftest import REPO, SAMPLE_ZIP, query

pytestmark = pytest.mark.usefixtures("prefect_api")


def test_one_feed_failing_does_not_stop_the_others(tmp_path, itk_exports, survey_waves):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with pytest.raises(AssessmentFailed) as err:
        strategic_assessment(police_uk_source=str(tmp_path / "missing"), months="2019-12", itk_source=str(itk_exports[0]),
                             trading_standards_source=str(survey_waves[-1]), workdir=str(tmp_path / "var"), warehouse_url=url)
    assert "police_uk" in str(err.value) and "source not found" in str(err.value)
    assert query(url, "select count(*) from dim_geography") == [(941,)]          # reference still loaded
    assert query(url, "select count(*) from fact_recorded_crime") == [(11700,)]   # the next feeds still ran
    assert query(url, "select count(distinct wave) from fact_young_persons_response") == [(1,)]
    assert query(url, "select count(*) > 0 from mart_community_issues") == [(True,)]
    assert sorted(query(url, "select distinct source from mart_crime_trend")) == [("force_extract",), ("ho_csp",)]


def test_a_crash_mid_load_leaves_the_previous_good_state(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    where = dict(workdir=str(tmp_path / "var"), warehouse_url=url)
    ingest_reference(**where)
    ingest_police_uk(source=str(SAMPLE_ZIP), months="2020-01", **where)
    before = query(url, "select count(*), max(run_id) from fact_street_crime")
    partition = tmp_path / "var" / "lake" / "curated" / "police_uk_street" / "force=lancashire" / "month=2020-01"
    lake_before = (partition / "data.parquet").read_bytes()
    import tasks.publish

    def crash(*args, **kwargs):
        raise RuntimeError("killed mid-load")

    monkeypatch.setattr(tasks.publish, "bulk_insert_parquet", crash)
    with pytest.raises(FeedFailed, match="warehouse load failed, previous state kept: RuntimeError"):
        ingest_police_uk(source=str(SAMPLE_ZIP), months="2020-01", **where)
    assert query(url, "select count(*), max(run_id) from fact_street_crime") == before
    assert (partition / "data.parquet").read_bytes() == lake_before          # the lake kept its file
    assert [p.name for p in partition.iterdir()] == ["data.parquet"]          # and no staged leftovers
    assert query(url, "select status from etl_load_log where feed = 'police_uk_street' order by finished_at") == [
        ("loaded",), ("failed",)]


def test_the_lake_reads_as_a_hive_partitioned_dataset_matching_the_warehouse(tmp_path):
    import pyarrow.dataset as ds

    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    where = dict(workdir=str(tmp_path / "var"), warehouse_url=url)
    ingest_reference(**where)
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


def test_fetching_a_month_archive_over_http_runs_the_feed(tmp_path, archive_server, monkeypatch):
    monkeypatch.setenv("CSP_POLICE_UK_BASE_URL", archive_server)
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    where = dict(workdir=str(tmp_path / "var"), warehouse_url=url)
    ingest_reference(**where)
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


def deploy_all(api_url: str | None = None) -> tuple[dict, list[str]]:
    """The process pool and `prefect deploy --all` against an API (the test harness's by default), as the
    README tells an operator; returns the environment and command prefix that reach it."""
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": api_url or PREFECT_API_URL.value(), "CSP_REPO_DIR": str(REPO)}
    prefect = [sys.executable, "-m", "prefect"]
    subprocess.run([*prefect, "work-pool", "create", "csp-process", "--type", "process"], env=env,
                   cwd=REPO, check=False, capture_output=True, timeout=120)
    done = subprocess.run([*prefect, "--no-prompt", "deploy", "--all"], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return env, prefect


def test_prefect_deploy_registers_the_deployments(tmp_path):
    """`prefect deploy --all` against the test API, as the README tells an operator to run it."""
    deploy_all()
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        deployments = {d.name: d for d in client.read_deployments()}
    assert {"police-uk-monthly", "strategic-assessment", "reference-on-demand", "build-marts-on-demand",
            "recorded-crime-monthly", "ho-csp-quarterly", "itk-survey-on-demand", "trading-standards-on-demand",
            "moj-reoffending-quarterly", "reoffending-cohort-quarterly", "report-on-demand"} <= set(deployments)
    monthly = deployments["police-uk-monthly"]
    assert monthly.work_pool_name == "csp-process"
    assert [s.schedule.cron for s in monthly.schedules] == ["0 6 25 * *"]
    assert monthly.parameters["fetch_month"] == "latest"


@pytest.fixture
def prefect_server(tmp_path):
    """A real `prefect server start` on 127.0.0.1 with its own home and database, stopped afterwards."""
    import socket
    import time

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_UI_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    api = f"http://127.0.0.1:{port}/api"
    try:
        for _ in range(240):
            try:
                if httpx.get(f"{api}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, "prefect server exited"
            time.sleep(0.5)
        else:
            pytest.fail("prefect server did not answer on /api/health in 120 s")
        yield api
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_process_worker_runs_a_deployment_to_completed_with_its_artifacts(tmp_path, prefect_server):
    """On a real `prefect server`: `prefect deploy --all`, a run of reference-on-demand, a process worker for one
    polling round (it waits for the run's subprocess), then the run's state and artifacts read through the API."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
    from prefect.settings import PREFECT_API_URL, temporary_settings

    env, prefect = deploy_all(prefect_server)
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with temporary_settings(updates={PREFECT_API_URL: prefect_server}), get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("ingest_reference/reference-on-demand")
        run = client.create_flow_run_from_deployment(
            deployment.id, parameters={"workdir": str(tmp_path / "var"), "warehouse_url": url})
        worker = subprocess.run([*prefect, "worker", "start", "--pool", "csp-process", "--run-once"], env=env,
                                cwd=tmp_path, capture_output=True, text=True, timeout=600)
        state = client.read_flow_run(run.id).state
        artifacts = {a.key: a for a in client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id])))}
    assert state.is_completed(), (state, worker.stdout[-3000:], worker.stderr[-3000:])
    assert {"reference-files", "reference-validation", "reference-quarantine", "reference-validation-page"} <= set(artifacts)
    assert "8,024 rows in" in artifacts["reference-validation"].data
    assert query(url, "select count(*) from dim_geography") == [(941,)]
