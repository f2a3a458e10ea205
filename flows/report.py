"""Flow build_report: the evidence pack (county page and 14 local profiles) from the marts, with a link artifact."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from flows.common import settings_for
from flows.limits import warehouse_writes
from tasks import stages
from tasks.evidence.pages import LATEST, build_pack, publish_pack
from tasks.evidence.pdf import find_browser
from tasks.runs import current_run_id
from tasks.stages import IO_RETRIES
from warehouse.engine import open_engine


@task(name="build-evidence-pack", task_run_name="build the evidence pack for {force}", **IO_RETRIES)
def write_pack(warehouse: str, root: str, run_id: str, force: str, browser: str) -> tuple[str, list[str]]:
    """Render every page and CSV from the marts into a new versioned pack, then point latest at it
    (retried on I/O errors: it only reads the warehouse and writes a folder of its own)."""
    engine = open_engine(warehouse)
    try:
        folder, pages = publish_pack(Path(root), run_id, lambda into: build_pack(engine, into, run_id, force, browser))
    finally:
        engine.dispose()
    return str(folder), [str(p) for p in pages]


def findings_markdown(folder: Path, pages: int) -> str:
    """The county page's findings, ranked, for the Prefect UI (which cannot open a file:// link):
    each with its basis and significance, then where the pack lies on the machine that built it."""
    import csv

    with open(folder / "data" / "index-findings.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    verdicts = {"True": "significant", "False": "not significant", "": "level"}
    lines = ["# Evidence pack: the county's key findings", "",
             "| # | finding | basis | test |", "|---|---|---|---|"]
    lines += [f"| {r['rank']} | {r['finding'].replace('|', '/')} | {r['basis'].replace('|', '/')} | {verdicts[r['significant']]} |"
              for r in rows]
    return "\n".join(lines + ["", f"{pages} pages in `{folder.resolve()}` (and `latest` beside it) on the machine that "
                                   "built them; each page opens with its own findings."])


@flow(name="build_report", log_prints=True)
def build_report(
    out: str | None = None,
    force: str | None = None,
    workdir: str | None = None,
    lake_dir: str | None = None,
    warehouse_url: str | None = None,
) -> dict:
    """Build the evidence pack from the marts: index.html (county) and profile-<authority>.html, self-contained
    (inline CSS and SVG), each figure's data as CSV in data/, into a new folder <out>/<day>-<run>/;
    <out>/latest then points at it (a failed build leaves the previous pack and pointer whole).

    out: the folder that holds the packs; $CSP_WORKDIR/report when empty.
    force: the police.uk slug of the partnership's force, whose authorities get a profile; the
        setting CSP_FORCE (default lancashire) when empty.
    """
    settings = settings_for(workdir, lake_dir, warehouse_url)
    force = force or settings.force
    root = Path(out) if out else settings.workdir / "report"
    browser = find_browser(settings.chromium)  # before anything is built: a pack without its PDFs is not whole
    with warehouse_writes(settings):
        stages.prepare_warehouse(settings, numbered=False)  # a warehouse made before the load log's newest columns gets them
    folder, pages = write_pack(settings.warehouse, str(root), current_run_id(), force, browser)
    folder = Path(folder)
    create_markdown_artifact(key="evidence-pack", markdown=findings_markdown(folder, len(pages)),
                             description="The county's key findings as this run wrote them, and where the pack is")
    get_run_logger().info("evidence pack: %d pages in %s (%s points at it)", len(pages), folder.resolve(), root / LATEST)
    return {"pages": pages, "out": str(folder.resolve()), "latest": str((root / LATEST).absolute())}
