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
