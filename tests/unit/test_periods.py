"""Months, month ranges and financial years as the partnership counts them."""

import datetime as dt

import pytest

from tasks.periods import financial_year, in_range, parse_month_range


def test_month_range_is_inclusive_and_a_single_month_is_a_range():
    assert parse_month_range("2019-12:2020-03") == (dt.date(2019, 12, 1), dt.date(2020, 3, 1))
    assert parse_month_range("2020-01") == (dt.date(2020, 1, 1), dt.date(2020, 1, 1))
    assert parse_month_range(None) is None
    months = parse_month_range("2019-12:2020-03")
    assert in_range(dt.date(2020, 3, 1), months) and not in_range(dt.date(2020, 4, 1), months)


@pytest.mark.parametrize("bad", ["2020-13", "2020-3", "20-01", "2020-02:2020-01"])
def test_bad_months_are_errors_that_quote_the_input(bad):
    with pytest.raises(ValueError, match="2020|20-01"):
        parse_month_range(bad)


def test_financial_year_runs_april_to_march():
    assert financial_year(dt.date(2020, 3, 1)) == "2019/20"
    assert financial_year(dt.date(2020, 4, 1)) == "2020/21"
    assert financial_year(dt.date(1999, 12, 1)) == "1999/00"
