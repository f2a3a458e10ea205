"""Build the evidence pack from Jinja templates (tasks/evidence/templates, editable without Python):
the county page, one profile per authority and a methods page, self-contained HTML with each
figure's data as CSV and each chart as SVG and PNG beside it. Nothing on a page asks the network
for anything."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import shutil
from collections.abc import Callable
from html import escape
from pathlib import Path, PurePosixPath

import sqlalchemy as sa

from tasks.evidence import figures, page_findings
from tasks.evidence.findings import Finding
from warehouse.marts import discover_marts

TEMPLATES = Path(__file__).parent / "templates"
MAX_TABLE_ROWS = 40


def slug(name: str) -> str:
    """A file-safe name for an area."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


SIGNIFICANCE = {True: "significant change (95%)", False: "no significant change", None: "not tested"}


def cell(value, row: dict, column: str) -> str:
    """A table cell: suppressed figures say so, never zero; shares as percentages; a change's test
    in words, "no significant change" where that is the finding."""
    if column == "change_significant" and not (value is None and row.get("suppressed")):
        return f"<td class='t'>{SIGNIFICANCE[value]}</td>"
    if value is None:
        suppressed = row.get("suppressed") and column not in ("rank",)
        return '<td class="suppressed">suppressed</td>' if suppressed else '<td class="na" title="not published">–</td>'
    if isinstance(value, float):
        text = f"{value * 100:.1f}%" if any(k in column for k in ("share", "proportion", "value", "change")) and \
            abs(value) <= 1.0 and "units" not in str(row.get("indicator", "")) else f"{value:,.2f}"
        return f"<td>{text}</td>"
    return f"<td class='t'>{escape(str(value))}</td>" if isinstance(value, str) else f"<td>{escape(str(value))}</td>"


def write_csv(fig: figures.Figure, path: Path) -> None:
    """Every row of the figure's data, with the mart and window it came from."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*fig.columns, "mart", "window", "weights_version"])
        for r in fig.rows:
            writer.writerow([*(("" if r[c] is None else r[c]) for c in fig.columns), fig.mart, fig.window,
                             fig.weights_version or ""])


def write_findings(found: list[Finding], path: Path) -> None:
    """The page's findings as CSV: sentence, basis, significance and the figure behind each."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["rank", "finding", "basis", "significant", "direction", "value", "figure", "rule"])
        for i, f in enumerate(found, 1):
            writer.writerow([i, f.text, f.basis, "" if f.significant is None else f.significant, f.direction or "",
                             "" if f.value is None else f.value, f.figure, f.rule])


def templates():
    """The pack's Jinja environment: HTML autoescaped, `cell` for table cells."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals["cell"] = cell
    return env


def drop_relative(source_name: str | None, root: str | None = None) -> str:
    """A source file as named within the drop folder the run was given, never the machine's path:
    ('/data/drop/itk/2020/x.csv', '/data/drop/itk') -> '2020/x.csv'; an archive's member keeps the
    archive's name ('/data/drop/2021-03.zip!2021-03/x.csv' -> '2021-03.zip!2021-03/x.csv'); a file
    given on its own, or a load logged before roots were, is its name."""
    if not source_name:
        return "reference"
    outer, _, member = source_name.replace("\\", "/").partition("!")
    folder = (root or "").replace("\\", "/").rstrip("/")
    inside = outer[len(folder) + 1:] if folder and not member and outer.startswith(folder + "/") else PurePosixPath(outer).name
    return inside + (f"!{member}" if member else "")


def pack_sources(conn: sa.Connection) -> list[dict]:
    """Every file loaded into the warehouse: feed, name within its drop folder, hash, run."""
    rows = figures.fetch(conn, "select feed, source_name, source_root, source_sha256, run_id, max(finished_at) as finished_at "
                               "from etl_load_log where status = 'loaded' "
                               "group by feed, source_name, source_root, source_sha256, run_id order by feed, source_name")
    return [{"feed": r["feed"], "file": drop_relative(r["source_name"], r["source_root"]), "sha256": r["source_sha256"] or "",
             "run_id": r["run_id"], "finished_at": f"{r['finished_at']:%Y-%m-%d %H:%M}" if r["finished_at"] else ""}
            for r in rows]


def build_pack(engine: sa.Engine, out: Path, run_id: str, force: str = "lancashire", browser: str | None = None) -> list[Path]:
    """The county page (index.html), one profile per authority of the force and the methods page, each
    figure's CSV in out/data, each chart's SVG and PNG in out/figures, and with a browser each page's
    PDF in out/pdf."""
    out.mkdir(parents=True, exist_ok=True)
    env = templates()
    feeds = {name: list(m.feeds) for name, m in discover_marts().items()}
    built = f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M}"
    with engine.connect() as conn:
        county = page_findings.county_name(conn, force)
        authorities = [r["authority_name"] for r in figures.fetch(
            conn, "select distinct authority_name from dim_geography where force = :force order by 1", force=force)]
        plan = [("index", f"{county} Strategic Assessment: county evidence", figures.COUNTY, figures.COUNTY_FIGURES)]
        plan += [(f"profile-{slug(a)}", f"{a}: local profile", a, figures.PROFILE_FIGURES) for a in authorities]
        pages = [{"href": "index.html", "label": county}] + [{"href": f"profile-{slug(a)}.html", "label": a}
                                                            for a in authorities] + [{"href": "methods.html", "label": "Methods"}]
        common = dict(pages=pages, built=built, run_id=run_id, county=county, max_rows=MAX_TABLE_ROWS)
        lineage_cache: dict[str, list[dict]] = {}

        def with_lineage(fig: figures.Figure) -> figures.Figure:
            if fig.mart not in lineage_cache:
                lineage_cache[fig.mart] = [s | {"source_name": drop_relative(s["source_name"], s["source_root"])}
                                           for s in figures.lineage(conn, feeds.get(fig.mart, []))]
            fig.sources = lineage_cache[fig.mart]
            return fig

        written = []
        for page, title, area, builders in plan:
            figs = [with_lineage(build(conn, area, force)) for build in builders]
            write_figure_files(figs, out, page)
            found = page_findings.for_page(conn, area, force)
            write_findings(found, out / "data" / f"{page}-findings.csv")
            template = "county.html.j2" if area is figures.COUNTY else "profile.html.j2"
            html = env.get_template(template).render(
                title=title, page=page, here=f"{page}.html", pdf_href=f"pdf/{page}.pdf", area=area, findings=found,
                figures={f.key: f for f in figs}, similar=[], **common)
            written.append(write_page(out / f"{page}.html", html))
        threat = with_lineage(figures.threat_ranking(conn, figures.COUNTY, force))
        write_figure_files([threat], out, "methods")
        html = env.get_template("methods.html.j2").render(
            title=f"{county} Strategic Assessment: methods and sources", page="methods", here="methods.html",
            pdf_href="pdf/methods.pdf", sources=pack_sources(conn), threat=threat, **common)
        written.append(write_page(out / "methods.html", html))
    if browser:
        from tasks.evidence.pdf import print_pages

        print_pages(written, out / "pdf", browser)
    return written


def write_figure_files(figs: list[figures.Figure], out: Path, page: str) -> None:
    """Each figure's rows as CSV, and its chart's files, beside the page."""
    for fig in figs:
        write_csv(fig, out / "data" / f"{page}-{fig.key}.csv")
        for extension, content in fig.files.items():
            (out / "figures").mkdir(exist_ok=True)
            (out / "figures" / f"{page}-{fig.key}.{extension}").write_bytes(content)


def write_page(path: Path, html: str) -> Path:
    """The page's HTML, written whole."""
    path.write_text(html, encoding="utf-8")
    return path


LATEST = "latest"  # the pointer (a symbolic link) to the newest whole pack


def pack_name(run_id: str, day: dt.date | None = None) -> str:
    """A pack's folder: the day it was built and its run, e.g. 2026-12-06-1a2b3c4d."""
    return f"{(day or dt.date.today()):%Y-%m-%d}-{run_id.replace('-', '')[:8]}"


def publish_pack(root: Path, run_id: str, build: Callable[[Path], list[Path]]) -> tuple[Path, list[Path]]:
    """Build a pack aside, move it whole to root/<day>-<run>/, then point root/latest at it in one
    rename: a reader of latest sees the previous pack or this one, and a failed build leaves the
    previous pack and its pointer as they were (its half-written folder is removed)."""
    root.mkdir(parents=True, exist_ok=True)
    name = pack_name(run_id)
    building = root / f".building-{name}"
    shutil.rmtree(building, ignore_errors=True)
    try:
        pages = build(building)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    final = root / name
    if final.exists():  # the same run built again: its new pack replaces its old one
        shutil.rmtree(final)
    building.rename(final)
    pointer = root / f".{LATEST}-{name}"
    pointer.unlink(missing_ok=True)
    pointer.symlink_to(name, target_is_directory=True)
    os.replace(pointer, root / LATEST)
    return final, [final / page.relative_to(building) for page in pages]
