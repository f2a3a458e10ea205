"""The report's words for periods and tests: a part year, a part cohort year and a change that is
not significant are said as such, and a hidden figure is never shown as zero."""

from __future__ import annotations

from tasks.evidence import figures, pages


def test_a_part_year_says_how_many_months_and_a_full_year_says_nothing():
    assert figures.part_year(12) == "" and figures.part_year(None) == ""
    assert figures.part_year(4) == " (part year: 4 of 12 months)"
    rows = [{"financial_year": "2019/20", "months_covered": 12}, {"financial_year": "2020/21", "months_covered": 4},
            {"financial_year": "2020/21", "months_covered": 4}]
    assert figures.years_window(rows) == "2019/20, 2020/21 (part year: 4 of 12 months)"
    assert figures.years_window([]) == "no data"


def test_a_cohort_year_of_fewer_than_four_quarters_says_so():
    assert figures.cohort_window([{"cohort_period": "2019/20", "quarters_covered": 4}]) == "cohort year 2019/20"
    assert figures.cohort_window([{"cohort_period": "2020/21", "quarters_covered": 2}]) == \
        "cohort year 2020/21 (part year: 2 of 4 quarters)"


def test_a_change_is_said_in_words_and_a_suppressed_figure_never_as_zero():
    assert pages.cell(False, {}, "change_significant") == "<td class='t'>no significant change</td>"
    assert pages.cell(True, {}, "change_significant") == "<td class='t'>significant change (95%)</td>"
    assert pages.cell(None, {}, "change_significant") == "<td class='t'>not tested</td>"
    assert "suppressed" in pages.cell(None, {"suppressed": True}, "change_significant")
    assert pages.cell(None, {"suppressed": True}, "value") == '<td class="suppressed">suppressed</td>'
    assert "not published" in pages.cell(None, {"suppressed": False}, "value")
