"""The evidence pack's charts, drawn offline by Altair and vl-convert: well-formed SVG with axes,
units, the period and the source, text escaped, a missing value drawn as 'suppressed' (never a zero
bar), each series of a trend in the legend, and the same chart as PNG; and the table cells."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from tasks.evidence import charts
from tasks.evidence.pages import cell

NS = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[str]:
    """Every text of the SVG (vl-convert writes each label as one text element)."""
    return ["".join(t.itertext()) for t in ET.fromstring(svg).iter(f"{NS}text")]


def test_bars_have_axes_units_period_source_and_a_missing_value_says_suppressed():
    chart = charts.bars([("Burglary & theft <all>", 0.4), ("Ward Two", None), ("Preston", 0.1)], "Share of crime",
                        ["2019/20; data.police.uk"], "share of recorded crime", percent=True, highlight="Preston")
    svg, png = charts.render(chart)
    words = texts(svg)
    assert {"Burglary & theft <all>", "suppressed", "Share of crime", "2019/20; data.police.uk",
            "share of recorded crime", "this area", "other areas"} <= set(words)
    assert "40%" in words  # the axis is in percent
    assert len(re.findall(r'aria-roledescription="bar"', svg)) == 2  # no bar for the suppressed value
    assert png.startswith(b"\x89PNG")


def test_paired_bars_name_both_series_in_a_legend():
    svg, _ = charts.render(charts.paired_bars([("Violence", 0.44, 0.80), ("Drugs", 0.02, None)], "Figure 1", ["2019/20"],
                                              ("share of count", "share of harm"), "share"))
    words = texts(svg)
    assert {"share of count", "share of harm", "Violence", "Drugs", "Figure 1"} <= set(words)
    assert len(re.findall(r'aria-roledescription="bar"', svg)) == 3  # Drugs has no harm weight: no bar, not zero


def test_lines_draw_each_series_in_period_order():
    svg, _ = charts.render(charts.lines({"Home Office tables": [("2018/19", 120000.0), ("2019/20", 110000.0)],
                                         "data.police.uk": [("2019/20*", 40000.0)]}, "All crime", ["each source its own line"],
                                        "crimes"))
    words = texts(svg)
    assert {"Home Office tables", "data.police.uk", "crimes", "year"} <= set(words)
    assert words.index("2018/19") < words.index("2019/20") < words.index("2019/20*")


def test_an_accessible_svg_carries_its_text_alternative():
    svg, _ = charts.render(charts.bars([("A", 1.0)], "t", ["s"], "u"))
    assert charts.accessible_svg(svg, 'rates "per" 1,000').startswith('<svg role="img" aria-label="rates &quot;per&quot; 1,000" ')


def test_table_cells_show_suppressed_or_not_published_never_zero():
    assert "suppressed" in cell(None, {"suppressed": True}, "value")
    assert "not published" in cell(None, {"suppressed": False}, "offenders")
    assert cell(0.25, {}, "share") == "<td>25.0%</td>"


def test_a_change_test_is_said_in_words_and_no_significant_change_is_the_finding_where_true():

    assert cell(False, {}, "change_significant") == "<td class='t'>no significant change</td>"
    assert cell(True, {}, "change_significant") == "<td class='t'>significant change (95%)</td>"
    assert cell(None, {}, "change_significant") == "<td class='t'>not tested</td>"
    # a suppressed cell's test is hidden with it, never said
    assert "suppressed" in cell(None, {"suppressed": True}, "change_significant")
