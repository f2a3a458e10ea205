"""Cohort periods: MoJ cohort labels ("Apr 19 to Mar 20", "Jan 20 to Mar 20") into dates and a period type."""

from __future__ import annotations

import calendar
import datetime as dt
import re

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_name) if name})
MONTH_YEAR = r"(?P<{m}>[A-Za-z]{{3,9}})[ \-]?(?P<{y}>\d{{4}}|\d{{2}})"
LABEL = re.compile(rf"^\s*{MONTH_YEAR.format(m='m1', y='y1')}\s*(?:to|-)\s*{MONTH_YEAR.format(m='m2', y='y2')}\s*$", re.I)
PERIOD_TYPES = {3: "quarterly", 12: "annual"}


def _year(text: str) -> int:
    """Two-digit years are this century's (cohorts start in 2000 or later)."""
    return int(text) if len(text) == 4 else 2000 + int(text)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month `months` after the day's month."""
    y, m = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + y, m + 1, 1)


def period_end(start: dt.date, period_type: str) -> dt.date:
    """The last day of a cohort starting on `start`."""
    months = {v: k for k, v in PERIOD_TYPES.items()}[period_type]
    return add_months(start, months) - dt.timedelta(days=1)


def parse_cohort_label(label: str | None) -> tuple[dt.date, dt.date, str] | None:
    """(start, end, 'quarterly' | 'annual'), or None when the label is not a three- or twelve-month cohort."""
    m = LABEL.match(label or "")
    if not m:
        return None
    first, last = MONTHS.get(m["m1"].lower()), MONTHS.get(m["m2"].lower())
    if first is None or last is None:
        return None
    start, end_month = dt.date(_year(m["y1"]), first, 1), dt.date(_year(m["y2"]), last, 1)
    months = (end_month.year - start.year) * 12 + end_month.month - start.month + 1
    if months not in PERIOD_TYPES:
        return None
    return start, add_months(end_month, 1) - dt.timedelta(days=1), PERIOD_TYPES[months]


def cohort_label(start: dt.date, period_type: str) -> str:
    """The MoJ-style label of a cohort: 'Apr 19 to Mar 20'."""
    end = period_end(start, period_type)
    return f"{start:%b %y} to {end:%b %y}"
