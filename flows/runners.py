"""The task runner a feed flow runs its per-file work on, chosen by CSP_TASK_RUNNER.

`threads` (the default) prepares files one after another in the flow's process, the previous
file's warehouse load overlapping the next; `dask` starts a local Dask cluster with a worker
process per core; a scheduler address (tcp://host:8786) sends files to a Dask cluster across
machines, which must see the same landing and lake folders (a shared filesystem) and warehouse.
"""

from __future__ import annotations

import os


def make_task_runner(spec: str):
    """A Prefect task runner for the spec, or None for the flow's own (threads)."""
    if spec in ("", "threads"):
        return None
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError as exc:  # an optional extra: a plain install does not pull in Dask
        raise RuntimeError(f"CSP_TASK_RUNNER={spec} needs Dask, which is an extra: pip install 'csp-pipeline[dask]'") from exc

    if spec == "dask":
        workers = os.cpu_count() or 2
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                                              "dashboard_address": None})
    if spec.startswith("tcp://"):
        return DaskTaskRunner(address=spec)
    raise ValueError(f"CSP_TASK_RUNNER {spec!r}: use threads, dask, or a Dask scheduler address tcp://host:port")


def spreads_work() -> bool:
    """True when the running flow's task runner sends submitted tasks to other processes."""
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    return context is not None and type(context.task_runner).__name__ != "ThreadPoolTaskRunner"


def task_runner_name() -> str:
    """The running flow's task runner, as its class names it (ThreadPoolTaskRunner, DaskTaskRunner)."""
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    return type(context.task_runner).__name__ if context is not None else "none"


def with_task_runner(flow, spec: str):
    """The flow, on the task runner the spec names."""
    runner = make_task_runner(spec)
    return flow if runner is None else flow.with_options(task_runner=runner)
