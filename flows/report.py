"""Flow build_report: the evidence pack (county page and 14 local profiles) from the marts, with a link artifact."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact

from flows.common import settings_for
from tasks.evidence.pages import build_pack
from tasks.runs import current_run_id
from tasks.stages import IO_RETRIES
from warehouse.engine import open_engine


@task(name="build-evidence-pack", **IO_RETRIES)
def write_pack(warehouse: str, out: str, run_id: str, force: str) -> list[str]:
    """Render every page and CSV from the marts (retried on I/O errors: it only reads the warehouse and rewrites files)."""
    return [str(p) for p in build_pack(open_engine(warehouse), Path(out), run_id, force)]


@flow(name="build_report", log_prints=True)
def build_report(
    out: str | None = None,
    force: str | None = None,
    workdir: str | None = None,
    lake_dir: str | None = None,
    warehouse_url: str | None = None,
) -> dict:
    """Build the evidence pack from the marts: index.html (county) and profile-<authority>.html, self-contained
    (inline CSS and SVG), each figure's data as CSV in data/.

    out: the folder to write; $CSP_WORKDIR/report when empty.
    force: the police.uk slug of the partnership's force, whose authorities get a profile; the
        setting CSP_FORCE (default lancashire) when empty.
    """
    settings = settings_for(workdir, lake_dir, warehouse_url)
    force = force or settings.force
    folder = Path(out) if out else settings.workdir / "report"
    pages = write_pack(settings.warehouse, str(folder), current_run_id(), force)
    index = (folder / "index.html").resolve()
    create_link_artifact(key="evidence-pack", link=index.as_uri(), link_text="Evidence pack (county page)",
                         description="The county assessment and local profiles built by this run")
    create_markdown_artifact(key="evidence-pack-pages", markdown="# Evidence pack\n\n" + "\n".join(
        f"- [{Path(p).name}]({Path(p).resolve().as_uri()})" for p in pages))
    get_run_logger().info("evidence pack: %d pages in %s", len(pages), folder.resolve())
    return {"pages": pages, "out": str(folder.resolve())}
