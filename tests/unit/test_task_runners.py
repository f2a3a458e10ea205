"""CSP_TASK_RUNNER: threads need nothing; Dask, an optional extra, is asked for by name when it is
not installed; an unknown runner is refused with the choices."""

from __future__ import annotations

import sys

import pytest

from flows.runners import make_task_runner


def test_threads_are_the_flows_own_runner():
    assert make_task_runner("threads") is None and make_task_runner("") is None


def test_dask_without_its_extra_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "prefect_dask", None)  # as on a plain install: the import fails
    with pytest.raises(RuntimeError, match=r"pip install 'csp-pipeline\[dask\]'"):
        make_task_runner("dask")


def test_a_dask_scheduler_address_gets_a_dask_runner():
    pytest.importorskip("prefect_dask")
    runner = make_task_runner("tcp://127.0.0.1:8786")
    assert type(runner).__name__ == "DaskTaskRunner"


def test_an_unknown_runner_is_refused_with_the_choices():
    pytest.importorskip("prefect_dask")
    with pytest.raises(ValueError, match="use threads, dask, or a Dask scheduler address"):
        make_task_runner("ray")


def test_a_deployments_environment_chooses_the_police_uk_flows_task_runner(monkeypatch):
    # prefect.yaml's job_variables put CSP_TASK_RUNNER in the environment of the process that imports the flow
    import importlib

    import flows.ingest_police_uk as module

    monkeypatch.setenv("CSP_TASK_RUNNER", "tcp://127.0.0.1:8786")
    try:
        on_cluster = importlib.reload(module).ingest_police_uk
    finally:
        monkeypatch.delenv("CSP_TASK_RUNNER")
        on_threads = importlib.reload(module).ingest_police_uk
    assert type(on_cluster.task_runner).__name__ == "DaskTaskRunner" and on_cluster.task_runner.address == "tcp://127.0.0.1:8786"
    assert type(on_threads.task_runner).__name__ == "ThreadPoolTaskRunner"
    assert on_cluster.name == on_threads.name == "ingest_police_uk"  # the same flow, for the same deployment
