"""Build the evidence pack: the county page and one profile per authority, self-contained HTML with each
figure's data as CSV beside it. Nothing on a page asks the network for anything."""

from __future__ import annotations

import csv
import datetime as dt
import re
from html import escape
from pathlib import Path

import sqlalchemy as sa

from tasks.evidence import figures
from warehouse.marts import discover_marts

CSS = """
body{font-family:Georgia,'Times New Roman',serif;margin:2rem auto;max-width:60rem;color:#222;line-height:1.4}
h1{font-size:1.7rem;border-bottom:3px solid #1f5f8b}h2{font-size:1.25rem;margin-top:2.2rem;color:#1f5f8b}
nav a{margin-right:.6rem;font-size:.85rem}table{border-collapse:collapse;font-size:.8rem;margin:.6rem 0}
td,th{border:1px solid #ccc;padding:.15rem .4rem;text-align:right}th{background:#eef3f7}
td:first-child,th:first-child,td.t{text-align:left}.suppressed{color:#a33;font-style:italic}
.na{color:#888;text-align:center}.meta{font-size:.75rem;color:#555}.chart-title{font-weight:bold}svg text{font-family:sans-serif;font-size:11px}
.tick{font-size:9px}details{font-size:.75rem}
"""
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


def render_figure(fig: figures.Figure, csv_href: str) -> str:
    """A figure's section: heading, chart, table, and where it came from (with the chart's own files)."""
    head = "".join(f"<th>{escape(c)}</th>" for c in fig.columns)
    body = "".join("<tr>" + "".join(cell(r[c], r, c) for c in fig.columns) + "</tr>" for r in fig.rows[:MAX_TABLE_ROWS])
    more = f"<p class='meta'>{len(fig.rows) - MAX_TABLE_ROWS} more rows in the CSV.</p>" if len(fig.rows) > MAX_TABLE_ROWS else ""
    runs = sorted({s["run_id"] for s in fig.sources if s["run_id"]})
    files = "".join(f"<li>{escape(str(s['source_name'] or 'reference'))} <code>{escape(s['source_sha256'][:12])}</code> "
                    f"run <code>{escape(s['run_id'])}</code></li>" for s in fig.sources[:30])
    weights = f" · weights version <code>{escape(fig.weights_version)}</code>" if fig.weights_version else ""
    empty = "" if fig.rows else f"<p class='suppressed'>{escape(fig.empty)}</p>"
    return (f'<section id="{fig.key}"><h2>{escape(fig.evidence)}. {escape(fig.title)}</h2>{fig.chart or ""}{empty}'
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"
            f'<p class="meta">Source: <code>{escape(fig.mart)}</code> · {escape(fig.window)}{weights} · '
            f'{len(runs)} run(s) · <a href="{escape(csv_href)}">data (CSV)</a>'
            + "".join(f' · <a href="{escape(figure_href(csv_href, ext))}">{ext.upper()}</a>' for ext in fig.files)
            + (f" · {escape(fig.note)}" if fig.note else "")
            + f"</p><details><summary>Source files and runs</summary><ul>{files}</ul></details></section>")


def figure_href(csv_href: str, extension: str) -> str:
    """Where a figure's chart file sits beside the page: figures/<page>-<key>.<extension>."""
    return "figures/" + csv_href.removeprefix("data/").removesuffix(".csv") + f".{extension}"


def write_csv(fig: figures.Figure, path: Path) -> None:
    """Every row of the figure's data, with the mart and window it came from."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*fig.columns, "mart", "window", "weights_version"])
        for r in fig.rows:
            writer.writerow([*(("" if r[c] is None else r[c]) for c in fig.columns), fig.mart, fig.window,
                             fig.weights_version or ""])


def render_page(title: str, intro: str, figs: list[figures.Figure], page: str, nav: str, run_id: str) -> str:
    """A whole page: inline CSS, the figures, and links only to files beside it."""
    sections = "".join(render_figure(f, f"data/{page}-{f.key}.csv") for f in figs)
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{CSS}</style></head><body><nav>{nav}</nav><h1>{escape(title)}</h1><p>{escape(intro)}</p>"
            f"<p class='meta'>Built {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC from the warehouse marts by run "
            f"<code>{escape(run_id)}</code>.</p>{sections}</body></html>")


def build_pack(engine: sa.Engine, out: Path, run_id: str, force: str = "lancashire") -> list[Path]:
    """The county page (index.html) and one profile per authority of the force, each figure's CSV in out/data."""
    out.mkdir(parents=True, exist_ok=True)
    feeds = {name: list(m.feeds) for name, m in discover_marts().items()}
    with engine.connect() as conn:
        county = figures.scalar(conn, "select min(force_area_name) from dim_geography where force = :force", force=force)
        authorities = [r["authority_name"] for r in figures.fetch(
            conn, "select distinct authority_name from dim_geography where force = :force order by 1", force=force)]
        pages = [("index", f"{county or force} Strategic Assessment: county evidence", figures.COUNTY, figures.COUNTY_FIGURES)]
        pages += [(f"profile-{slug(a)}", f"{a}: local profile", a, figures.PROFILE_FIGURES) for a in authorities]
        nav = "<a href='index.html'>County</a>" + "".join(f"<a href='profile-{slug(a)}.html'>{escape(a)}</a>" for a in authorities)
        written = []
        lineage_cache: dict[str, list[dict]] = {}
        for page, title, area, builders in pages:
            figs = [build(conn, area, force) for build in builders]
            for fig in figs:
                if fig.mart not in lineage_cache:
                    lineage_cache[fig.mart] = figures.lineage(conn, feeds.get(fig.mart, []))
                fig.sources = lineage_cache[fig.mart]
                write_csv(fig, out / "data" / f"{page}-{fig.key}.csv")
                for extension, content in fig.files.items():
                    (out / "figures").mkdir(exist_ok=True)
                    (out / "figures" / f"{page}-{fig.key}.{extension}").write_bytes(content)
            intro = ("The county's evidence base, built from the warehouse marts only." if area is None else
                     f"{area}'s figures, beside the county where the mart allows.")
            path = out / f"{page}.html"
            path.write_text(render_page(title, intro, figs, page, nav, run_id), encoding="utf-8")
            written.append(path)
    return written
