"""Operations as code: `csp-pipeline ops apply` puts ops/operations.yaml's webhook alert, follow-on
runs and warehouse-writes limit on a real Prefect server, idempotently; a failing deployment run
posts the alert to a webhook, a completed feed run (its warehouse URL from the Secret block its
deployment names) starts the marts rebuild; and every flow that
writes the warehouse waits for a slot of the write limit."""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from flows.ops import deployment_names
from tests.conftest import SAMPLE_REFERENCE, SAMPLE_ZIP, query, run_cli, start_prefect_server, wait_for, wait_for_prefect
from tests.integration.test_operations import deploy_all, run_deployments

AUTOMATIONS = ["csp-pipeline-run-failed", "csp-pipeline-marts-after-feed", "csp-pipeline-report-after-marts"]


@pytest.fixture(scope="module")
def webhook():
    """A local HTTP server that keeps every JSON body posted to it: (url, bodies)."""
    bodies: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802  (http.server's naming)
            bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/hook", bodies
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def applied(tmp_path_factory, webhook):
    """A real `prefect server start`, `prefect deploy --all`, then `csp-pipeline ops apply` twice, as the README
    says: (api url, environment, prefect command, the two applies' outputs)."""
    server, api = start_prefect_server(tmp_path_factory.mktemp("prefect-home"))
    try:
        wait_for_prefect(api, server)
        env, prefect = deploy_all(api)
        cwd = tmp_path_factory.mktemp("ops")
        outputs = [run_cli("ops", "apply", cwd=cwd, PREFECT_API_URL=api, CSP_ALERT_WEBHOOK_URL=webhook[0]) for _ in range(2)]
        yield api, env, prefect, outputs
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.server
def test_ops_apply_twice_leaves_one_of_each_on_the_server(applied, webhook):
    from prefect.blocks.notifications import CustomWebhookNotificationBlock
    from prefect.settings import PREFECT_API_URL, temporary_settings

    api, _, _, outputs = applied
    for done in outputs:
        assert done.returncode == 0, done.stdout + done.stderr
    assert outputs[0].stdout.count("created") == len(AUTOMATIONS) and outputs[1].stdout.count("updated") == len(AUTOMATIONS)
    with temporary_settings(updates={PREFECT_API_URL: api}):
        from prefect.client.orchestration import get_client

        with get_client(sync_client=True) as client:
            automations = client.read_automations()
            limit = client.read_global_concurrency_limit_by_name("csp-warehouse-writes")
            marts = client.read_deployment_by_name("build_marts/build-marts-on-demand")
            report = client.read_deployment_by_name("build_report/report-on-demand")
            monthly = client.read_deployment_by_name("ingest_police_uk/police-uk-monthly")
            itk = client.read_deployment_by_name("ingest_itk/itk-survey-on-demand")
        block = CustomWebhookNotificationBlock.load("csp-pipeline-alerts")
    assert sorted(a.name for a in automations) == sorted(AUTOMATIONS)  # the second apply added none
    by_name = {a.name: a for a in automations}
    alert = by_name["csp-pipeline-run-failed"]
    assert alert.trigger.expect == {"prefect.flow-run.Failed", "prefect.flow-run.Crashed"}
    assert alert.trigger.match_related["prefect.resource.name"] == deployment_names()  # every deployment
    assert alert.actions[0].block_document_id == block._block_document_id and block.url == webhook[0]
    after_feed = by_name["csp-pipeline-marts-after-feed"]
    assert set(after_feed.trigger.match_related["prefect.resource.name"]) == set(deployment_names(feeds_only=True))
    assert "build-marts-on-demand" not in after_feed.trigger.match_related["prefect.resource.name"]  # no loop
    assert after_feed.actions[0].deployment_id == marts.id
    assert by_name["csp-pipeline-report-after-marts"].actions[0].deployment_id == report.id
    assert limit.limit == 1 and limit.active  # the DuckDB default: one writer
    # deployments carry their environment: the task runner, and the names (not values) of the secret blocks
    assert monthly.job_variables["env"] == {"CSP_WAREHOUSE_URL_SECRET": "csp-warehouse-url", "CSP_TASK_RUNNER": "threads"}
    assert itk.job_variables["env"] == {"CSP_WAREHOUSE_URL_SECRET": "csp-warehouse-url", "CSP_PSEUDONYM_KEY_SECRET": "csp-pseudonym-key"}


def flow_runs_of(api: str, deployment: str) -> list:
    """The flow runs of a deployment (flow/name) on the server."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api}), get_client(sync_client=True) as client:
        target = client.read_deployment_by_name(deployment)
        return client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[target.id])))


@pytest.mark.server
def test_a_failed_run_posts_the_alert_and_a_completed_feed_starts_the_marts(tmp_path, applied, webhook):
    from prefect.blocks.system import Secret
    from prefect.settings import PREFECT_API_URL, temporary_settings

    api, env, prefect, outputs = applied
    assert outputs[-1].returncode == 0
    url, bodies = webhook
    warehouse = f"duckdb:///{tmp_path / 'w.duckdb'}"
    where = dict(workdir=str(tmp_path / "var"), warehouse_url=warehouse)
    assert flow_runs_of(api, "build_marts/build-marts-on-demand") == []
    with temporary_settings(updates={PREFECT_API_URL: api}):  # the block prefect.yaml's job_variables name
        Secret(value=warehouse).save("csp-warehouse-url", overwrite=True)
    done = run_deployments((api, env, prefect), tmp_path, {
        "ingest_itk/itk-survey-on-demand": {"source": None, **where},          # fails: no source
        "ingest_reference/reference-on-demand": {"source": SAMPLE_REFERENCE, "workdir": where["workdir"]}})
    failed, _ = done["ingest_itk/itk-survey-on-demand"]
    completed, artifacts = done["ingest_reference/reference-on-demand"]
    assert failed.is_failed() and completed.is_completed(), (failed, completed, done["worker"])
    assert query(warehouse, "select count(*) from dim_geography") == [(941,)]  # the warehouse the Secret block named
    assert artifacts["reference-progress"].type == "progress" and artifacts["reference-progress"].data == 100
    alert = wait_for(lambda: [b for b in bodies if "itk-survey-on-demand" in b["subject"]], 90, "the failure's webhook post", every=0.5)
    assert alert[0]["subject"] == "csp-pipeline: itk-survey-on-demand Failed"
    assert "set the `source` parameter" in alert[0]["text"]
    assert not any("reference-on-demand" in b["subject"] for b in bodies)  # a completed run is no alert
    rebuilds = wait_for(lambda: flow_runs_of(api, "build_marts/build-marts-on-demand"), 90, "the marts rebuild's flow run", every=0.5)
    assert len(rebuilds) == 1  # one completed feed run, one rebuild (the failed one started none)


def test_a_flow_that_writes_the_warehouse_waits_for_a_write_slot(prefect_api, tmp_path, monkeypatch):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.concurrency.sync import concurrency

    from flows.marts import build_marts_flow

    name = f"csp-test-writes-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("CSP_WRITE_LIMIT", name)
    with get_client(sync_client=True) as client:
        client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
    warehouse = tmp_path / "w.duckdb"
    result = {}
    with concurrency(name):  # another writer holds the only slot
        run = threading.Thread(target=lambda: result.update(built=build_marts_flow(
            workdir=str(tmp_path / "var"), warehouse_url=f"duckdb:///{warehouse}")))
        run.start()
        run.join(timeout=8)
        assert run.is_alive() and not warehouse.exists()  # waiting for the slot, nothing written
    run.join(timeout=120)
    assert not run.is_alive() and len(result["built"]) > 10 and warehouse.exists()


def test_a_missing_write_limit_fails_the_run_only_when_strict(prefect_api, tmp_path, monkeypatch):
    from prefect.concurrency.asyncio import ConcurrencySlotAcquisitionError

    from flows.marts import build_marts_flow

    monkeypatch.setenv("CSP_WRITE_LIMIT", f"csp-test-missing-{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("CSP_WRITE_LIMIT_STRICT", "true")
    where = dict(workdir=str(tmp_path / "var"), warehouse_url=f"duckdb:///{tmp_path / 'w.duckdb'}")
    with pytest.raises(ConcurrencySlotAcquisitionError, match="must be created"):
        build_marts_flow(**where)
    assert not (tmp_path / "w.duckdb").exists()
    monkeypatch.delenv("CSP_WRITE_LIMIT_STRICT")
    assert len(build_marts_flow(**where)) > 10  # not strict: it writes without the limit, saying so in its log


@pytest.mark.server
def test_a_deployment_run_takes_its_task_runner_from_its_job_variables(tmp_path, applied):
    """police-uk-monthly run by a process worker with CSP_TASK_RUNNER=dask in the run's job variables (as
    prefect.yaml sets them per deployment) prepares its files on Dask."""
    import subprocess

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.ingest_reference import ingest_reference

    api, env, prefect, _ = applied
    where = dict(workdir=str(tmp_path / "var"), warehouse_url=f"duckdb:///{tmp_path / 'w.duckdb'}")
    with temporary_settings(updates={PREFECT_API_URL: api}), get_client(sync_client=True) as client:
        ingest_reference(source=SAMPLE_REFERENCE, **where)  # the geography police.uk rows are placed in
        deployment = client.read_deployment_by_name("ingest_police_uk/police-uk-monthly")
        run = client.create_flow_run_from_deployment(
            deployment.id, parameters={"source": str(SAMPLE_ZIP), "months": "2020-01", "fetch_month": None, **where},
            job_variables={"env": {"CSP_TASK_RUNNER": "dask", "PREFECT_LOGGING_LEVEL": "INFO"}})
        worker = subprocess.run([*prefect, "worker", "start", "--pool", "csp-process", "--run-once"], env=env,
                                cwd=tmp_path, capture_output=True, text=True, timeout=600)
        state = client.read_flow_run(run.id).state
        logs = [log.message for log in client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id])))]
    assert state.is_completed(), (state, worker.stdout[-3000:], worker.stderr[-3000:])
    assert any("prepared on the DaskTaskRunner" in line for line in logs), logs
    assert query(where["warehouse_url"], "select count(*) from fact_street_crime") == [(16153,)]
