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


def cohort(start: str, offenders: int | None, reoffenders: int | None, level: str = "authority") -> dict:
    """A reoffending mart row: its proportion and Wilson interval from the counts, or withheld."""
    from warehouse.statistics import wilson_interval

    held = offenders is not None and reoffenders is not None
    lower, upper = wilson_interval([reoffenders or 0], [offenders or 1])
    return {"area_level": level, "period_start": dt.date.fromisoformat(start), "offenders": offenders, "reoffenders": reoffenders,
            "proportion_reoffending": reoffenders / offenders if held else None,
            "proportion_lower": float(lower[0]) if held else None, "proportion_upper": float(upper[0]) if held else None}


def pooled_z_significant(x1: int, n1: int, x2: int, n2: int) -> bool:
    """The pooled two-proportion test, as a 2x2 chi-square without continuity correction (z squared)."""
    from scipy.stats import chi2_contingency

    return chi2_contingency([[x1, n1 - x1], [x2, n2 - x2]], correction=False).pvalue < 0.05


@pytest.mark.parametrize("before, after", [((300, 1000), (360, 1000)), ((300, 1000), (310, 1000))])
def test_reoffending_is_set_against_the_year_before_by_the_test_and_against_no_other_years_national(before, after):
    rows = [cohort("2018-04-01", before[1], before[0]), cohort("2019-04-01", after[1], after[0]),
            cohort("2013-04-01", 600_000, 186_000, "national")]
    (found,) = rules.reoffending(rows, "Burnley")
    assert found.significant == pooled_z_significant(before[0], before[1], after[0], after[1])
    assert found.direction == "rise" and found.value == after[0] / after[1]
    assert "cohort starting April 2019" in found.text and "a year before" in found.text
    assert "no England and Wales figure for the same cohort" in found.text  # 2013's is not like for like
    assert ("a statistically significant rise" in found.text) == found.significant


def test_reoffending_beside_england_and_wales_for_the_same_cohort_and_a_withheld_count_said_as_such():
    rows = [cohort("2019-04-01", 1000, 250), cohort("2019-04-01", 600_000, 186_000, "national")]
    (found,) = rules.reoffending(rows, "Fylde")
    assert "England and Wales: 31.0%, a significant difference" in found.text and found.significant is None
    (withheld,) = rules.reoffending([cohort("2018-04-01", 900, 250), cohort("2019-04-01", None, None)], "Fylde")
    assert "is not published" in withheld.text and withheld.value is None and withheld.tier == 2


def issue(rank, category, share_, total=2000, county=(0.70, 0.69, 0.71), **extra) -> dict:
    from warehouse.statistics import wilson_interval

    lower, upper = wilson_interval([round(share_ * total)], [total])
    return {"rank": rank, "issue_category": category, "total_responses": total, "share": share_, "share_lower": float(lower[0]),
            "share_upper": float(upper[0]), "period_start": dt.date(2019, 10, 1), "period_end": dt.date(2020, 3, 31),
            "county_share": county[0], "county_share_lower": county[1], "county_share_upper": county[2]} | extra


def test_the_issue_residents_name_most_is_set_beside_the_county_by_its_interval():
    rows = [issue(2, "Speeding", 0.5), issue(1, "Road safety", 0.79), {"rank": None, "issue_category": "Litter"}]
    (found,) = rules.community_concerns(rows, "Burnley", is_county=False)
    assert found.text.startswith("Road safety is the community issue residents of Burnley name most")
    assert found.significant and "the county's share is 70.0%, a significant difference" in found.text
    (close,) = rules.community_concerns([issue(1, "Road safety", 0.705)], "Chorley", is_county=False)
    assert close.significant is False and "no significant difference" in close.text
    (county,) = rules.community_concerns([issue(1, "Road safety", 0.70)], "Lancashire", is_county=True)
    assert county.significant is None and "county's share" not in county.text
    (hidden,) = rules.community_concerns([{"rank": None}], "Ribble Valley", is_county=False)
    assert "suppressed" in hidden.text


def indicator(name, value, previous, p, **extra) -> dict:
    return {"wave": "2019-20", "indicator": name, "value": value, "value_lower": value - 0.01, "value_upper": value + 0.01,
            "previous_wave_value": previous, "change": value - previous, "change_p_value": p,
            "change_significant": None if p is None else p < 0.05} | extra


def test_young_people_say_the_largest_significant_change_or_that_none_changed():
    rows = [indicator("vapes", 0.14, 0.09, 1e-14), indicator("drinks_alcohol", 0.41, 0.46, 1e-6),
            indicator("smokes", 0.07, 0.064, 0.36), indicator("carried_knife", 0.04, 0.05, None)]
    (found,) = rules.young_people(rows, "Lancashire")
    # vapes moved 56% of its previous value, drinking 11%: the largest relative change is said
    assert found.text.startswith("2 of 3 Young Persons Survey indicators") and "vapes, rose from 9.0% to 14.0%" in found.text
    assert found.significant and found.direction == "rise" and found.size == pytest.approx(0.05 / 0.09)
    (none,) = rules.young_people([r | {"change_significant": False} for r in rows[:3]], "Wyre")
    assert none.significant is False and none.text.startswith("None of the 3 Young Persons Survey indicators")
    mean = indicator("mean_units_per_week", 6.34, 5.94, 0.027)
    assert "from 5.9 to 6.3" in rules.young_people([mean], "Lancashire")[0].text  # units, not a percentage


def test_every_rule_keeps_its_first_finding_before_any_rule_keeps_a_second():
    changes = [rules.Finding("category_change", f"change {i}", "f", "b", True, 0.5 - i / 100) for i in range(5)]
    themes = [rules.Finding(rule, rule, "f", "b", None, 0.1) for rule in ("domestic_abuse", "reoffending", "young_people")]
    kept = rules.ranked(changes + themes, limit=5)
    assert [f.rule for f in kept] == ["category_change", "category_change", "domestic_abuse", "reoffending", "young_people"]
    assert kept[:2] == changes[:2]  # the two biggest changes, still first: the order is the ranking's
