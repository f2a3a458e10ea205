"""Flow ingest_police_uk: data.police.uk street files -> landing -> validate -> curated -> warehouse -> marts."""

from __future__ import annotations

from prefect import flow, task

from flows.common import require_source
from flows.runner import run_feed
from flows.runners import with_task_runner
from tasks.police_uk.feed import STREET
from tasks.police_uk.fetch import PoliceUkClient
from tasks.settings import Settings, get_settings


# No Prefect retries: the HTTP client retries (settings.http_retries) and is the only layer, so a
# failing server is asked http_retries + 1 times, not (http_retries + 1) x (task retries + 1).
@task(name="fetch-archive", task_run_name="fetch the police.uk archive {month}")
def fetch_archive(settings: Settings, month: str) -> str:
    """Download a data.police.uk monthly archive (conditional and resumable; retried by the client)."""
    client = PoliceUkClient(settings.police_uk_base_url, settings.http_timeout, settings.http_retries,
                            manifest=settings.fetched / "police_uk" / "manifest.json")
    return str(client.download_archive(month, settings.downloads / "police_uk"))


@flow(name="ingest_police_uk", log_prints=True)
def ingest_police_uk(
    source: str | None = None,
    force: str = "lancashire",
    months: str | None = None,
    fetch_month: str | None = None,
    workdir: str | None = None,
    lake_dir: str | None = None,
    warehouse_url: str | None = None,
    rebuild_marts: bool = True,
    incremental: bool = False,
) -> dict:
    """Load data.police.uk street files for a force.

    source: a folder of *-street.csv (any depth), one file, or a .zip archive; required
        unless fetch_month is given.
    force: police.uk force slug, e.g. lancashire; "all" for every force in the source (the national
        archive), each needing its geography in dim_geography.
    months: 'YYYY-MM' or 'YYYY-MM:YYYY-MM' (inclusive); every month in the source when empty.
    fetch_month: download this month's archive ('YYYY-MM' or 'latest') from data.police.uk first.
    incremental: process only files that are new or changed since their partition's last load
        (the monthly run over a 36-month archive then reads one month, not 36).
    """
    if fetch_month:
        source = lambda settings: fetch_archive(settings, fetch_month)  # noqa: E731  run once the run has started
    else:
        source = require_source(source, "source", "a folder, file or .zip of YYYY-MM-<force>-street.csv (or set `fetch_month`)")
    return run_feed(STREET, source, {"force": force, "months": months}, workdir, lake_dir, warehouse_url,
                    rebuild_marts, incremental)


# The task runner is a deployment setting: CSP_TASK_RUNNER in the deployment's job_variables (prefect.yaml)
# or the worker's environment, read when the run's process imports this flow (flows/runners.py).
ingest_police_uk = with_task_runner(ingest_police_uk, get_settings().task_runner)
