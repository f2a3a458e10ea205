"""The pack's charts, drawn offline by Altair and vl-convert: axes with units, the period and the
source under every title, one colour-blind-safe palette (Okabe and Ito), and a missing value drawn
as "suppressed", never as a zero-length bar. Each chart goes on the page as SVG with its text
alternative, and beside the page as SVG and PNG for Word."""

from __future__ import annotations

WIDTH = 560
# Okabe and Ito's palette: told apart with any colour vision deficiency
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000"]
HIGHLIGHT, OTHERS = "#D55E00", "#0072B2"


def _title(title: str, subtitle: list[str]):
    import altair as alt

    return alt.TitleParams(title, subtitle=subtitle, anchor="start", subtitleFontSize=10)


def bars(rows: list[tuple[str, float | None]], title: str, subtitle: list[str], unit: str, percent: bool = False,
         highlight: str | None = None):
    """Horizontal bars, one per (label, value) in the order given; the highlighted label in its own
    colour; a missing value labelled 'suppressed' where its bar would be."""
    import altair as alt

    data = [{"label": label, "value": value, "shown": "suppressed" if value is None else None,
             "kind": "this area" if label == highlight else "other areas"} for label, value in rows]
    order = [r["label"] for r in data]
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=260))
    x = alt.X("value:Q", title=unit, axis=alt.Axis(format=".0%" if percent else ",.0f", grid=True))
    colour = (alt.Color("kind:N", title=None, scale=alt.Scale(domain=["this area", "other areas"], range=[HIGHLIGHT, OTHERS]))
              if highlight else alt.value(OTHERS))
    base = alt.Chart(alt.Data(values=data))
    shown = base.mark_bar().encode(y=y, x=x, color=colour, description=alt.Description("label:N")).transform_filter(
        "datum.value != null")
    missing = base.mark_text(align="left", dx=3, fontStyle="italic", color="#a02c2c").encode(
        y=y, x=alt.datum(0), text="shown:N").transform_filter("datum.value == null")
    return (alt.layer(shown, missing).properties(width=WIDTH - 200, height=max(60, 18 * len(rows)),
                                                 title=_title(title, subtitle)).configure_view(stroke=None))


def paired_bars(rows: list[tuple[str, float | None, float | None]], title: str, subtitle: list[str],
                names: tuple[str, str], unit: str):
    """Two bars per label (e.g. share of count and share of harm), side by side, with a legend."""
    import altair as alt

    data = [{"label": label, "series": name, "value": value}
            for label, a, b in rows for name, value in zip(names, (a, b))]
    return (alt.Chart(alt.Data(values=data)).mark_bar().encode(
        y=alt.Y("label:N", sort=[r[0] for r in rows], title=None, axis=alt.Axis(labelLimit=260)),
        yOffset=alt.YOffset("series:N", sort=list(names)),
        x=alt.X("value:Q", title=unit, axis=alt.Axis(format=".0%")),
        color=alt.Color("series:N", title=None, sort=list(names), scale=alt.Scale(range=PALETTE[:2])),
        description=alt.Description("label:N"))
        .properties(width=WIDTH - 200, height=max(80, 30 * len(rows)), title=_title(title, subtitle))
        .configure_view(stroke=None))


def lines(series: dict[str, list[tuple[str, float | None]]], title: str, subtitle: list[str], unit: str,
          percent: bool = False, x_title: str = "year"):
    """One line with points per series over its periods (in the order given); gaps where a value is missing."""
    import altair as alt

    data = [{"series": name, "period": period, "value": value} for name, points in series.items()
            for period, value in points]
    periods = list(dict.fromkeys(p for points in series.values() for p, _ in points))
    encode = dict(x=alt.X("period:O", sort=periods, title=x_title, axis=alt.Axis(labelAngle=0)),
                  y=alt.Y("value:Q", title=unit, axis=alt.Axis(format=".0%" if percent else ",.0f")),
                  color=alt.Color("series:N", title=None, scale=alt.Scale(range=PALETTE)))
    base = alt.Chart(alt.Data(values=data)).encode(**encode)
    return (alt.layer(base.mark_line(), base.mark_point(filled=True, size=40).encode(description=alt.Description("series:N")))
            .properties(width=WIDTH - 120, height=240, title=_title(title, subtitle)).configure_view(stroke=None))


def render(chart) -> tuple[str, bytes]:
    """The chart as static SVG and as PNG (twice the size, for Word), drawn offline by vl-convert."""
    import vl_convert as vlc

    spec = chart.to_dict()
    return vlc.vegalite_to_svg(spec), vlc.vegalite_to_png(spec, scale=2)


def accessible_svg(svg: str, label: str) -> str:
    """The SVG as an image with its text alternative (its data table sits beside it on the page)."""
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label.replace(chr(34), "&quot;")}" ', 1)
