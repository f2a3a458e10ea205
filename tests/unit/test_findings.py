"""The rules that pick and word key findings, on small rows written inline: a significant fall is said
with its size and the county beside it; a change the test does not find significant, a part year
with nothing to compare and a suppressed cell are said as such; gaps are significant only when
the intervals part; findings rank significant first, then by size."""

from __future__ import annotations

import datetime as dt

import pytest
from scipy.stats import binomtest

from tasks.evidence import findings as rules


def totals(before: int, after: int, **extra) -> dict:
    return {"financial_year": "2019/20", "previous_year": "2018/19", "change_basis": "full year", "months_covered": 12,
            "crimes_comparable": after, "previous_crimes_comparable": before, "population": 1_500_000,
            "previous_population": 1_500_000} | extra


def test_a_large_fall_is_significant_and_worded_with_its_size_and_the_county():
    (found,) = rules.crime_change(totals(15_125, 13_915), totals(100_000, 97_000), "ho_csp", "Preston")
    assert found.text == ("All recorded crime in Preston (Home Office tables) fell 8% (1,210 fewer crimes) in 2019/20 "
                          "against 2018/19; per resident it fell 8%, a statistically significant fall; the county fell 3%.")
    assert (found.direction, found.significant, found.value) == ("fall", True, pytest.approx(-0.08))
    # the same test by scipy: given both years' counts and equal residents, the later count is Binomial(n, 1/2)
    assert binomtest(13_915, 15_125 + 13_915, 0.5).pvalue < 0.05


def test_a_small_change_in_a_small_count_is_said_to_be_not_significant():
    (found,) = rules.crime_change(totals(50, 46), None, "police_uk", "Ribble Valley")
    assert found.significant is False and found.direction == "fall"
    assert "not a statistically significant change" in found.text and "significant fall" not in found.text
    assert binomtest(46, 96, 0.5).pvalue > 0.05


def test_nothing_to_compare_is_said_and_ranked_last():
    (caveat,) = rules.crime_change(None, None, "police_uk", "Lancashire")
    assert caveat.text == ("Data.police.uk hold no two years with months in common: no change in Lancashire's crime "
                           "on the previous year is stated.")
    level = rules.Finding("x", "a level", "f", "b", None, 0.3)
    fall = rules.crime_change(totals(15_125, 13_915), None, "ho_csp", "Preston")[0]
    assert rules.ranked([caveat, level, fall]) == [fall, level, caveat]


def test_category_changes_name_the_largest_significant_and_the_largest_that_is_not():
    rows = [{"crime_type": t, "financial_year": "2019/20", "change": c, "previous_crimes_comparable": p,
             "change_basis": "full year", "change_significant": s}
            for t, c, p, s in [("Violence with injury", -1210, 15125, True), ("Robbery", -40, 400, True),
                               ("Burglary", 300, 4000, True), ("Drugs", 90, 600, False), ("Arson", 1, 10, None)]]
    found = rules.category_changes(rows, "force_extract")
    assert [f.text for f in found] == [
        "Violence with injury (the force's crime records) fell 8% (1,210 fewer crimes), a statistically significant fall.",
        "Burglary (the force's crime records) rose 8% (300 more crimes), a statistically significant rise.",
        "Drugs (the force's crime records) rose 15% (90 more crimes), not a statistically significant change."]


def test_a_fall_in_crimes_that_is_a_rise_per_resident_says_both_and_tests_the_rate():
    # 0.2% fewer crimes while residents fell 1%: the rate the test compares rose
    (found,) = rules.crime_change(totals(100_000, 99_800, population=1_485_000), None, "ho_csp", "Lancashire")
    assert "fell 0.2% (200 fewer crimes)" in found.text and "per resident it rose 0.8%" in found.text
    assert found.direction == "rise" and found.value == pytest.approx(99_800 / 1_485_000 / (100_000 / 1_500_000) - 1)


def rate_row(level: str, name: str, value: float, lower: float, upper: float, rank: int | None) -> dict:
    return {"area_level": level, "area_name": name, "financial_year": "2019/20", "months_covered": 4,
            "rate_per_1000": value, "rate_lower": lower, "rate_upper": upper, "rank": rank}


RATES = [rate_row("county", "Lancashire", 81.0, 80.0, 82.0, None), rate_row("authority", "Blackpool", 143.0, 139.0, 147.0, 1),
         rate_row("authority", "Preston", 115.0, 112.0, 118.0, 2), rate_row("authority", "Wyre", 81.5, 78.0, 85.0, 3),
         rate_row("authority", "Ribble Valley", 39.0, 36.0, 42.0, 4)]


def test_an_authority_is_above_the_county_only_when_the_intervals_part():
    (preston,) = rules.rate_position(RATES, "Preston")
    assert preston.significant is True and preston.direction == "above"
    assert "2nd highest of the 4 authorities and significantly above the county's 81" in preston.text
    (wyre,) = rules.rate_position(RATES, "Wyre")
    assert wyre.significant is False and "not significantly different from the county's 81" in wyre.text
    (valley,) = rules.rate_position(RATES, "Ribble Valley")
    assert valley.direction == "below" and "the lowest of the 4" in valley.text
    (county,) = rules.rate_position(RATES, None)
    assert county.text == ("Crime per 1,000 residents ranges from 39 in Ribble Valley to 143 in Blackpool, 3.7 times as high; "
                           "the county's is 81 (2019/20, annualised from 4 months).")


def gradient(decile: int, value: float | None, ratio=None, lower=None, upper=None) -> dict:
    return {"source": "police_uk", "measure": "crime", "financial_year": "2019/20", "imd_decile": decile,
            "rate_per_1000": value, "rate_ratio": ratio, "rate_ratio_lower": lower, "rate_ratio_upper": upper}


def test_the_deprivation_ratio_is_significant_only_when_its_interval_excludes_one():
    (steep,) = rules.deprivation([gradient(1, 160.0, 6.02, 5.6, 6.48), gradient(10, 26.6, 1.0, 1.0, 1.0)],
                                 "Lancashire", "crime", "crime", "police_uk")
    assert steep.significant is True and steep.value == 6.02
    assert "6.0 times that in the least deprived tenth (160 against 27 per 1,000 residents; ratio 95% CI 5.6 to 6.5)" in steep.text
    (flat,) = rules.deprivation([gradient(1, 19.0, 0.9, 0.8, 1.1), gradient(10, 21.0, 1.0, 1.0, 1.0)],
                                "Preston", "crime", "crime", "police_uk")
    assert flat.significant is False and "not a statistically significant difference" in flat.text


def test_a_suppressed_or_missing_decile_is_said_as_such_never_as_a_ratio():
    (hidden,) = rules.deprivation([gradient(1, None), gradient(10, 26.6, 1.0, 1.0, 1.0)], "Fylde", "crime", "crime",
                                  "police_uk")
    assert "suppressed" in hidden.text and hidden.value is None and hidden.tier == 2
    (absent,) = rules.deprivation([gradient(5, 50.0), gradient(10, 26.6, 1.0, 1.0, 1.0)], "Ribble Valley", "crime",
                                  "crime", "police_uk")
    assert "no LSOA in England's most deprived tenth" in absent.text


def test_outcomes_state_the_date_of_the_outcomes_and_the_recency_caveat():
    (found,) = rules.outcomes({"financial_year": "2019/20", "months_covered": 4, "outcomes_as_of": dt.date(2020, 3, 1),
                               "cell_crimes": 20041, "share": 0.0749, "share_lower": 0.0713, "share_upper": 0.0786},
                              "Violence and sexual offences")
    assert found.text.startswith("Of 20,041 violence and sexual offences recorded in 2019/20 (4 months held), 7.5% had led "
                                 "to a charge or summons by March 2020 (95% CI 7.1% to 7.9%)")
    assert "compare only crimes of the same age" in found.text


def test_a_suppressed_concentration_is_said_as_suppressed():
    row = {"measure": "crime", "top_percent": 5, "financial_year": "2019/20", "lsoas": 1, "area_lsoas": 20, "share": None,
           "share_lower": None, "share_upper": None, "lsoas_holding_half": 4}
    (found,) = rules.concentration([row], "Fylde")
    assert "suppressed" in found.text and found.value is None


@pytest.mark.parametrize("value,text", [(0.0834, "8%"), (0.0075, "0.8%"), (0.1, "10%"), (-0.25, "-25%"), (0.001, "0.1%")])
def test_percentages_read_as_a_report_writer_would_write_them(value, text):
    assert rules.percent(value) == text
