"""Months and financial years as the partnership counts them."""

from __future__ import annotations

import datetime as dt
import re

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(text: str) -> dt.date:
    """'2019-12' -> date(2019, 12, 1); anything else is an error that quotes the input."""
    m = MONTH_RE.match(text.strip())
    if not m:
        raise ValueError(f"not a month (YYYY-MM): {text!r}")
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def month_label(month: dt.date) -> str:
    """date(2019, 12, 1) -> '2019-12'."""
    return f"{month.year:04d}-{month.month:02d}"


def parse_month_range(spec: str | None) -> tuple[dt.date, dt.date] | None:
    """'2019-12:2020-03' or '2020-01' -> inclusive (first, last) months; None means every month."""
    if not spec:
        return None
    first, _, last = spec.partition(":")
    start, end = parse_month(first), parse_month(last or first)
    if end < start:
        raise ValueError(f"month range ends before it starts: {spec!r}")
    return start, end


def in_range(month: dt.date, months: tuple[dt.date, dt.date] | None) -> bool:
    """True when the month lies in the inclusive range (or no range is given)."""
    return months is None or months[0] <= month <= months[1]


def financial_year(month: dt.date) -> str:
    """April to March: date(2020, 3, 1) -> '2019/20', date(2020, 4, 1) -> '2020/21'."""
    start = month.year if month.month >= 4 else month.year - 1
    return f"{start}/{(start + 1) % 100:02d}"
