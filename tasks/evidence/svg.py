"""Charts as inline SVG strings: no scripts, no fonts or styles fetched, readable without a network."""

from __future__ import annotations

from html import escape

PALETTE = ["#1f5f8b", "#e07b39", "#4d9a6a", "#8e5ea2", "#c23b4e", "#7f7f7f"]
WIDTH = 720


def _fmt(value: float, percent: bool) -> str:
    return f"{value * 100:.1f}%" if percent else f"{value:,.1f}".removesuffix(".0")


def bar_chart(rows: list[tuple[str, float | None]], title: str, percent: bool = False, highlight: str | None = None) -> str:
    """Horizontal bars, one per (label, value); a missing value is drawn as 'suppressed', never as zero."""
    bar_h, label_w, top = 20, 230, 28
    height = top + bar_h * len(rows) + 10
    peak = max([v for _, v in rows if v is not None] or [1]) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH}" height="{height}" '
             f'viewBox="0 0 {WIDTH} {height}"><title>{escape(title)}</title>',
             f'<text x="0" y="16" class="chart-title">{escape(title)}</text>']
    for i, (label, value) in enumerate(rows):
        y = top + i * bar_h
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{escape(str(label))}</text>')
        if value is None:
            parts.append(f'<text x="{label_w + 4}" y="{y + 14}" class="suppressed">suppressed</text>')
            continue
        w = max(1.0, (WIDTH - label_w - 80) * value / peak) if value > 0 else 0
        colour = PALETTE[1] if highlight is not None and label == highlight else PALETTE[0]
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{bar_h - 6}" fill="{colour}"/>')
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 14}">{_fmt(value, percent)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def paired_bars(rows: list[tuple[str, float | None, float | None]], title: str, legend: tuple[str, str]) -> str:
    """Two bars per label side by side (Figure 1: share of count against share of harm), as percentages."""
    group_h, label_w, top = 30, 230, 44
    height = top + group_h * len(rows) + 10
    peak = max([v for _, a, b in rows for v in (a, b) if v is not None] or [1]) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH}" height="{height}" '
             f'viewBox="0 0 {WIDTH} {height}"><title>{escape(title)}</title>',
             f'<text x="0" y="16" class="chart-title">{escape(title)}</text>']
    for k, name in enumerate(legend):
        parts.append(f'<rect x="{label_w + k * 170}" y="24" width="12" height="10" fill="{PALETTE[k]}"/>'
                     f'<text x="{label_w + k * 170 + 16}" y="33">{escape(name)}</text>')
    for i, (label, a, b) in enumerate(rows):
        y = top + i * group_h
        parts.append(f'<text x="{label_w - 6}" y="{y + 17}" text-anchor="end">{escape(str(label))}</text>')
        for k, value in enumerate((a, b)):
            yy = y + 3 + k * 12
            if value is None:
                parts.append(f'<text x="{label_w + 4}" y="{yy + 10}" class="suppressed">no weight</text>')
                continue
            w = max(1.0, (WIDTH - label_w - 80) * value / peak) if value > 0 else 0
            parts.append(f'<rect x="{label_w}" y="{yy}" width="{w:.1f}" height="11" fill="{PALETTE[k]}"/>'
                         f'<text x="{label_w + w + 4:.1f}" y="{yy + 10}">{_fmt(value, True)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(series: dict[str, list[tuple[str, float | None]]], title: str, percent: bool = False) -> str:
    """One line per series over shared x labels (sorted: periods as YYYY-MM); gaps where a value is missing."""
    labels = sorted({x for points in series.values() for x, _ in points})
    values = [v for points in series.values() for _, v in points if v is not None]
    height, left, top, bottom = 300, 60, 40, 50
    lo, hi = (min(values), max(values)) if values else (0, 1)
    lo, hi = (0, hi * 1.1 or 1) if lo >= 0 else (lo, hi)
    span_x = max(len(labels) - 1, 1)
    x = lambda i: left + (WIDTH - left - 20) * i / span_x  # noqa: E731
    y = lambda v: top + (height - top - bottom) * (1 - (v - lo) / ((hi - lo) or 1))  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH}" height="{height}" '
             f'viewBox="0 0 {WIDTH} {height}"><title>{escape(title)}</title>',
             f'<text x="0" y="16" class="chart-title">{escape(title)}</text>',
             f'<line x1="{left}" y1="{height - bottom}" x2="{WIDTH - 20}" y2="{height - bottom}" stroke="#999"/>',
             f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{_fmt(hi, percent)}</text>',
             f'<text x="{left - 6}" y="{height - bottom}" text-anchor="end">{_fmt(lo, percent)}</text>']
    step = max(1, len(labels) // 10)
    for i, label in enumerate(labels):
        if i % step == 0:
            parts.append(f'<text x="{x(i):.1f}" y="{height - bottom + 16}" text-anchor="middle" class="tick">{escape(label)}</text>')
    for k, (name, points) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        where = {lbl: v for lbl, v in points}
        segment: list[str] = []
        for i, label in enumerate(labels):
            v = where.get(label)
            if v is None:
                if len(segment) > 1:
                    parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(segment)}"/>')
                segment = []
                continue
            segment.append(f"{x(i):.1f},{y(v):.1f}")
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{colour}"/>')
        if len(segment) > 1:
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(segment)}"/>')
        parts.append(f'<rect x="{left + k * 180}" y="{height - 18}" width="12" height="10" fill="{colour}"/>'
                     f'<text x="{left + k * 180 + 16}" y="{height - 9}">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
