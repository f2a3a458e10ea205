"""The evidence pack's inline SVG charts: well-formed XML, text escaped, a missing value drawn as
'suppressed' (never a zero bar), line charts in period order with gaps where values are missing."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tasks.evidence import svg
from tasks.evidence.pages import cell

NS = "{http://www.w3.org/2000/svg}"


def test_bars_are_wellformed_and_a_missing_value_says_suppressed():
    root = ET.fromstring(svg.bar_chart([("Burglary & theft <all>", 0.4), ("Ward Two", None)], "Share", percent=True))
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert "Burglary & theft <all>" in texts and "40.0%" in texts and "suppressed" in texts
    assert len(list(root.iter(f"{NS}rect"))) == 1


def test_paired_bars_draw_both_shares_per_category():
    root = ET.fromstring(svg.paired_bars([("Violence", 0.44, 0.80), ("Drugs", 0.02, None)], "Figure 1", ("count", "harm")))
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert {"44.0%", "80.0%", "2.0%", "no weight"} <= set(texts)


def test_line_chart_orders_periods_and_breaks_at_missing_values():
    chart = svg.line_chart({"local": [("2019-04", 0.3), ("2018-04", 0.2)],
                            "national": [("2000-04", 0.31), ("2001-04", None), ("2002-04", 0.33), ("2003-04", 0.32)]}, "Rate")
    root = ET.fromstring(chart)
    ticks = [t.text for t in root.iter(f"{NS}text") if t.get("class") == "tick"]
    assert ticks == sorted(ticks)
    lines = list(root.iter(f"{NS}polyline"))
    assert len(lines) == 2  # the local pair, and national after its gap (the lone 2000 point is a dot)


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
