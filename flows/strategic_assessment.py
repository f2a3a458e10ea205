"""Parent flow strategic_assessment: reference, every feed, then marts; one feed failing does not stop the others."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from flows.common import MissingSource
from flows.ingest_ho_csp import ingest_ho_csp
from flows.ingest_itk import ingest_itk
from flows.ingest_moj_reoffending import ingest_moj_reoffending
from flows.ingest_police_uk import ingest_police_uk
from flows.ingest_recorded_crime import ingest_recorded_crime
from flows.ingest_reference import ingest_reference
from flows.ingest_reoffending_cohort import ingest_reoffending_cohort
from flows.ingest_trading_standards import ingest_trading_standards
from flows.marts import build_marts_flow
from flows.report import build_report


class AssessmentFailed(Exception):
    """One or more feeds failed; the others ran to the end."""


FEEDS = ["reference", "police_uk", "recorded_crime", "ho_csp", "itk", "trading_standards", "moj_reoffending",
         "reoffending_cohort"]


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
    missing = sources_missing(dict(
        reference_source=reference_source, police_uk_source=police_uk_source,
        recorded_crime_source=recorded_crime_source, ho_csp_source=ho_csp_source, itk_source=itk_source,
        trading_standards_source=trading_standards_source, moj_reoffending_source=moj_reoffending_source,
        reoffending_cohort_source=reoffending_cohort_source), chosen)
    if missing:
        raise MissingSource(f"no source given for {', '.join(missing)}: set each parameter, or leave its feed out of "
                            f"`feeds`; nothing was loaded")
    where = dict(workdir=workdir, lake_dir=lake_dir, warehouse_url=warehouse_url)
    results: dict[str, dict] = {}
    failures: list[str] = []
    steps = [
        ("reference", lambda: ingest_reference(source=reference_source, return_state=True, **where)),
        ("police_uk", lambda: ingest_police_uk(source=police_uk_source, force=force, months=months,
                                               rebuild_marts=False, return_state=True, **where)),
        ("recorded_crime", lambda: ingest_recorded_crime(source=recorded_crime_source, force=force, months=months,
                                                         rebuild_marts=False, return_state=True, **where)),
        ("ho_csp", lambda: ingest_ho_csp(source=ho_csp_source, rebuild_marts=False, return_state=True, **where)),
        ("itk", lambda: ingest_itk(source=itk_source, force=force, rebuild_marts=False, return_state=True, **where)),
        ("trading_standards", lambda: ingest_trading_standards(source=trading_standards_source, force=force,
                                                               rebuild_marts=False, return_state=True, **where)),
        ("moj_reoffending", lambda: ingest_moj_reoffending(source=moj_reoffending_source, rebuild_marts=False,
                                                           return_state=True, **where)),
        ("reoffending_cohort", lambda: ingest_reoffending_cohort(source=reoffending_cohort_source, force=force,
                                                                 rebuild_marts=False, return_state=True, **where)),
    ]
    steps = [(name, run) for name, run in steps if name in chosen]
    for name, run in steps:
        state = run()
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
        results["report"] = {"built": [Path(p).name for p in report.result()["pages"]], "out": report.result()["out"]}
    else:
        failures.append(f"report: {report.result(raise_on_failure=False)}")
    lines = ["# Strategic assessment run", ""]
    lines += [f"- **{k}**: {'FAILED' if v.get('failed') else 'ok'} {v.get('totals', v.get('built', ''))}" for k, v in results.items()]
    if "report" in results:
        lines += ["", f"Evidence pack: [{results['report']['out']}/index.html]({Path(results['report']['out']).as_uri()}/index.html)"]
    if failures:
        lines += ["", "## Failures", *[f"- {f}" for f in failures]]
    create_markdown_artifact(key="strategic-assessment", markdown="\n".join(lines))
    if failures:
        raise AssessmentFailed("; ".join(failures))
    return results
