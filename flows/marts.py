"""Flow build_marts: rebuild every mart (or those a feed changes) from the warehouse tables."""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from flows.common import settings_for
from flows.limits import warehouse_writes
from tasks import stages


@flow(name="build_marts", log_prints=True)
def build_marts_flow(
    feeds: list[str] | None = None,
    workdir: str | None = None,
    lake_dir: str | None = None,
    warehouse_url: str | None = None,
) -> list[str]:
    """Rebuild marts in dependency order: built aside, then swapped in by one short transaction (warehouse/swap.py).

    feeds: only the marts fed by these feeds (and their dependents); every mart when empty.
    """
    settings = settings_for(workdir, lake_dir, warehouse_url)
    with warehouse_writes(settings):
        stages.prepare_warehouse(settings, numbered=False)  # a mart build loads nothing: no run number
        build = stages.rebuild_marts(settings, feeds)
    get_run_logger().info("marts rebuilt: %s", ", ".join(build.built))
    kept = ["", "## Kept as they were (a view reads what changed)", *[f"- {c}" for c in build.conflicts]] if build.conflicts else []
    create_markdown_artifact(key="marts", markdown="\n".join(["# Marts rebuilt", "", *[f"- `{m}`" for m in build.built], *kept]))
    return build.built
