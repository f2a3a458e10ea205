"""What every feed flow does around its stages: settings, the dim, artifacts and the final verdict."""

from __future__ import annotations

import json

from prefect import get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from tasks.report import FeedFailed, FeedReport
from tasks.runs import Run
from tasks.settings import Settings, get_settings


class MissingSource(ValueError):
    """A flow was asked to load without being told from where."""


def require_source(source: str | None, parameter: str, what: str) -> str:
    """The source, or an error naming the parameter to set, raised before anything is touched.

    Never a fallback to the bundled sample: a deployment left with an empty source would otherwise
    load generated records into a real warehouse (only `csp-pipeline demo` uses the sample).
    """
    if source is None or not str(source).strip():
        raise MissingSource(f"no source given: set the `{parameter}` parameter to {what}; nothing was loaded")
    return str(source)


def settings_for(workdir: str | None, lake_dir: str | None, warehouse_url: str | None) -> Settings:
    """Flow parameters override the environment."""
    return get_settings(workdir=workdir, lake_dir=lake_dir, warehouse_url=warehouse_url)


def start_feed_run(feed: str, workdir: str | None, lake_dir: str | None,
                   warehouse_url: str | None) -> tuple[Settings, Run, FeedReport]:
    """Settings for this run, its id and number, an empty report, and a warehouse with every table created."""
    from tasks import stages
    from tasks.runs import Run, current_run_id

    settings = settings_for(workdir, lake_dir, warehouse_url)
    run = Run(current_run_id(), stages.prepare_warehouse(settings))
    for action in stages.recover_leftovers(settings):
        get_run_logger().warning("recovery: %s", action)
    return settings, run, FeedReport(feed, run.id)


def finish_feed(report: FeedReport, settings: Settings, rebuild_marts: bool) -> dict:
    """Rebuild the feed's marts when anything loaded (and asked to), then publish the run's verdict."""
    from tasks import stages

    if rebuild_marts and any(f.status == "loaded" for f in report.files):
        build = stages.rebuild_marts(settings, [report.feed])
        report.marts_built = build.built
        report.notes += [f"mart not replaced: {conflict}" for conflict in build.conflicts]
    return finish(report, settings)


def finish(report: FeedReport, settings: Settings, source: str | None = None) -> dict:
    """Publish the run's artifacts and report file; raise FeedFailed when anything was rejected.

    A source that could not be read at all (missing, not an archive, no files) gets its own
    load-log row, so the log shows every failed run, not only the files that were read.
    """
    logger = get_run_logger()
    if report.error and source is not None:
        from tasks import stages
        from tasks.load_log import FileOutcome

        stages.log_rejection(settings, FileOutcome(report.run_id, report.feed, None, None, source, message=report.error))
    key = report.feed.replace("_", "-")
    create_table_artifact(key=f"{key}-files", table=report.table_rows() or [{"file": "none"}],
                          description=f"{report.feed}: rows in, curated and quarantined per file")
    create_table_artifact(key=f"{key}-quarantine", table=report.quarantine_rows() or [{"rule": "none", "rows": 0}],
                          description=f"{report.feed}: rows held back by file and rule")
    settings.logs.mkdir(parents=True, exist_ok=True)
    path = settings.logs / f"{report.feed}-{report.run_id}.json"
    path.write_text(json.dumps(summary(report), indent=2, default=str), encoding="utf-8")
    page = settings.logs / f"{report.feed}-{report.run_id}-validation.html"
    page.write_text(report.validation_html(), encoding="utf-8")
    # the summary goes inline: the UI cannot open a file:// link, so the page is named, not linked
    create_markdown_artifact(key=f"{key}-validation", description=f"{report.feed}: validation summary",
                             markdown=report.markdown() + f"\n\nThe same as a page, on the machine that ran it: `{page.resolve()}`")
    logger.info("%s: %s", report.feed, report.totals())
    if report.failed:
        logger.error(report.failure_summary())
        raise FeedFailed(report)
    return summary(report)


def summary(report: FeedReport) -> dict:
    """A JSON-able summary of the run."""
    return {
        "feed": report.feed,
        "run_id": report.run_id,
        "totals": report.totals(),
        "failed": report.failed,
        "failures": report.failure_summary(),
        "files": [f.as_log_row() | {"quarantine_by_rule": f.quarantine_by_rule} for f in report.files],
        "notes": report.notes,
        "marts_built": report.marts_built,
    }
