"""Parent flow strategic_assessment: reference, every feed, then marts; one feed failing does not stop the others."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from flows.common import MissingSource
from flows.marts import build_marts_flow
from flows.report import build_report
from tasks import registry


class AssessmentFailed(Exception):
    """One or more feeds failed; the others ran to the end."""


FEEDS = [f.key for f in registry.FEEDS]


def sources_missing(sources: dict[str, str | None], feeds: list[str]) -> list[str]:
    """The `<feed>_source` parameters left empty for the feeds asked for."""
    return [f"{feed}_source" for feed in feeds if not (sources.get(f"{feed}_source") or "").strip()]


@flow(name="strategic_assessment", log_prints=True)
def strategic_assessment(
    reference_source: str | None = None,
    police_uk_source: str | None = None,
    recorded_crime_source: str | None = None,
    ho_csp_source: str | None = None,
    itk_source: str | None = None,
    trading_standards_source: str | None = None,
    moj_reoffending_source: str | None = None,
    reoffending_cohort_source: str | None = None,
    feeds: list[str] | None = None,
    force: str = "lancashire",
    months: str | None = None,
    workdir: str | None = None,
    lake_dir: str | None = None,
    warehouse_url: str | None = None,
) -> dict:
    """Run reference, the crime feeds (police.uk, force extract, Home Office CSP tables), the surveys
    (Lancashire Talking, Young Persons), reoffending (MoJ tables, local cohort), the marts and the report.

    feeds: which of them to load (default all eight); each needs its `<feed>_source`. An empty
        source fails the run before anything is loaded: the bundled sample is for `csp-pipeline demo`.
    The run ends Failed, with a summary naming each failed feed and why, when any feed failed.
    """
    logger = get_run_logger()
    chosen = list(feeds or FEEDS)
    unknown = sorted(set(chosen) - set(FEEDS))
    if unknown:
        raise ValueError(f"unknown feeds {unknown} in `feeds`; choose from {FEEDS}")
    # one parameter per feed (the UI's form needs them named); tests/unit/test_registry.py keeps them in step
    given = locals()
    sources = {f.source_parameter: given[f.source_parameter] for f in registry.FEEDS}
    missing = sources_missing(sources, chosen)
    if missing:
        raise MissingSource(f"no source given for {', '.join(missing)}: set each parameter, or leave its feed out of "
                            f"`feeds`; nothing was loaded")
    where = dict(workdir=workdir, lake_dir=lake_dir, warehouse_url=warehouse_url)
    results: dict[str, dict] = {}
    failures: list[str] = []
    for feed in (registry.BY_KEY[key] for key in FEEDS if key in chosen):
        name = feed.key
        scope = ({"force": force} if feed.by_force else {}) | ({"months": months} if feed.by_month else {})
        options = {"rebuild_marts": False} if feed.rebuilds_marts else {}  # the marts are built once, below
        state = feed.load_flow()(source=sources[feed.source_parameter], return_state=True, **scope, **options, **where)
        if state.is_completed():
            results[name] = state.result()
        else:
            failures.append(f"{name}: {state.message or state.name}")
            exc = state.result(raise_on_failure=False)
            results[name] = {"failed": True, "failures": str(exc)}
            logger.error("feed %s failed: %s", name, exc)
    marts = build_marts_flow(return_state=True, **where)
    if marts.is_completed():
        results["marts"] = {"built": marts.result()}
    else:
        failures.append(f"marts: {marts.result(raise_on_failure=False)}")
    report = build_report(force=force, return_state=True, **where)
    if report.is_completed():
        done = report.result()
        results["report"] = {"built": [Path(p).name for p in done["pages"]], "out": done["out"], "latest": done["latest"]}
    else:
        failures.append(f"report: {report.result(raise_on_failure=False)}")
    lines = ["# Strategic assessment run", ""]
    lines += [f"- **{k}**: {'FAILED' if v.get('failed') else 'ok'} {v.get('totals', v.get('built', ''))}" for k, v in results.items()]
    if "report" in results:
        lines += ["", f"Evidence pack: `{results['report']['out']}` on the machine that built it (its `build_report` run "
                      "carries the county's key findings)."]
    if failures:
        lines += ["", "## Failures", *[f"- {f}" for f in failures]]
    create_markdown_artifact(key="strategic-assessment", markdown="\n".join(lines))
    if failures:
        raise AssessmentFailed("; ".join(failures))
    return results
