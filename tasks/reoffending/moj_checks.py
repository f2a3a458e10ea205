"""The MoJ raw suites on one file, and conform: cohort labels into dates, prefixes into clean dimensions."""

from __future__ import annotations

import json
import re

import pyarrow as pa
import pyarrow.compute as pc

from tasks.reoffending.cohorts import parse_cohort_label, period_end
from tasks.reoffending.moj import SERIES_COLUMNS, TABLE_COLUMNS
from tasks.validate import SuiteOutcome, check_or_reject, split_rows

COUNTS = ["offenders", "reoffenders", "reoffences"]
# A published count: digits (thousands commas allowed), or a marker for a figure withheld or not applicable.
SUPPRESSION_MARKERS = {"*", "-", "..", "[c]", "[x]", "[z]"}
PREFIX = re.compile(r"^[a-z]{1,2}\.\s+")
SERIES_PERIODS = {"3-monthly": "quarterly", "annual": "annual"}

TABLES_SCHEMA = pa.schema([
    ("layout", pa.string()),
    ("geography_level", pa.string()),
    ("geography", pa.string()),
    ("authority_code", pa.string()),
    ("category_code", pa.string()),
    ("category", pa.string()),
    ("subcategory1", pa.string()),
    ("subcategory2", pa.string()),
    ("adult_juvenile", pa.string()),
    ("cohort_label", pa.string()),
    ("period_start", pa.date32()),
    ("period_end", pa.date32()),
    ("period_type", pa.string()),
    ("offenders", pa.int64()),
    ("reoffenders", pa.int64()),
    ("reoffences", pa.int64()),
    ("suppressed", pa.bool_()),
    ("source_row", pa.int32()),
])
"""Curated grain: one row per published row of an overview or geographical-tool file."""

SERIES_SCHEMA = pa.schema([
    ("measure", pa.string()),
    ("period_type", pa.string()),
    ("period_start", pa.date32()),
    ("period_end", pa.date32()),
    ("adult_juvenile", pa.string()),
    ("rate", pa.string()),
    ("value", pa.float64()),
    ("source_row", pa.int32()),
])
"""Curated grain: one row per published figure of the national series (empty figures stay null)."""


QUARANTINE_SCHEMA = pa.schema([
    ("layout", pa.string()), ("partition_key", pa.string()), ("source_row", pa.int32()), ("values_json", pa.string()),
    ("rule", pa.string()),
])


def parse_count(text: str | None) -> int | None:
    """'1,234' -> 1234; empty, a marker or anything else -> None (the suite says which is which)."""
    if text is None or text in SUPPRESSION_MARKERS:
        return None
    digits = text.replace(",", "")
    return int(digits) if digits.isdigit() else None


def with_table_checks(table: pa.Table) -> pa.Table:
    """The raw rows plus parsed cohort periods and counts, which the suite checks."""
    parsed = [parse_cohort_label(v) for v in table["cohort"].to_pylist()]
    out = (table.append_column("period_start", pa.array([p[0] if p else None for p in parsed], pa.date32()))
                .append_column("period_end", pa.array([p[1] if p else None for p in parsed], pa.date32()))
                .append_column("period_type", pa.array([p[2] if p else None for p in parsed], pa.string())))
    for name in COUNTS:
        out = out.append_column(f"{name}_n", pa.array([parse_count(v) for v in table[name].to_pylist()], pa.int64()))
    return out


def check_tables(table: pa.Table, layout: str, source: str) -> tuple[pa.Table, pa.Table, SuiteOutcome]:
    """The layout's raw suite (moj_overview or moj_geographic): reject the file, or split its rows."""
    checked = with_table_checks(table)
    params = {"markers": sorted(SUPPRESSION_MARKERS)}
    outcome = check_or_reject(checked, f"moj_{layout}", "raw", params, source)
    good, bad = split_rows(checked, outcome.row_failures)
    return good, bad, outcome


def check_series(table: pa.Table, source: str) -> tuple[pa.Table, pa.Table, SuiteOutcome]:
    """The national series' raw suite."""
    outcome = check_or_reject(table, "moj_series", "raw", {}, source)
    good, bad = split_rows(table, outcome.row_failures)
    return good, bad, outcome


def strip_prefix(values: pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """'a. Ethnicity and sex' -> ('a', 'Ethnicity and sex'); values without a prefix keep a null code."""
    codes, clean = [], []
    for v in values.to_pylist():
        m = PREFIX.match(v or "")
        codes.append(m.group(0).rstrip(". \t") if m else None)
        clean.append(v[m.end():] if m else v)
    return pa.array(codes, pa.string()), pa.array(clean, pa.string())


def conform_tables(good: pa.Table, layout: str, authorities: dict[str, str]) -> pa.Table:
    """Curated rows: clean dimensions, the cohort's dates, counts as numbers, the authority code where named."""
    n = good.num_rows
    code, category = strip_prefix(good["category"])
    if layout == "overview":
        level = pa.nulls(n, pa.string()).fill_null("national")
        geography = pa.nulls(n, pa.string()).fill_null("England and Wales")
    else:
        level = pc.if_else(pc.equal(pc.utf8_lower(good["category"]), "utla total"), "upper_tier", "authority")
        geography = good["geography"]
    markers = pa.array([any(v in SUPPRESSION_MARKERS for v in row) for row in
                        zip(*(good[c].to_pylist() for c in COUNTS))] if n else [], pa.bool_())
    columns = {
        "layout": pa.nulls(n, pa.string()).fill_null(layout),
        "geography_level": level,
        "geography": geography,
        "authority_code": pa.array([authorities.get(g) for g in pc.cast(geography, pa.string()).to_pylist()], pa.string()),
        "category_code": code,
        "category": category,
        "subcategory1": strip_prefix(good["subcategory1"])[1],
        "subcategory2": strip_prefix(good["subcategory2"])[1],
        "adult_juvenile": good["adult_juvenile"],
        "cohort_label": good["cohort"],
        "period_start": good["period_start"],
        "period_end": good["period_end"],
        "period_type": good["period_type"],
        **{c: good[f"{c}_n"] for c in COUNTS},
        "suppressed": markers,
        "source_row": good["source_row"],
    }
    return pa.table(columns).cast(TABLES_SCHEMA)


def conform_series(good: pa.Table) -> pa.Table:
    """Curated figures: the cohort's dates from its start and unit; an empty value stays null, never zero."""
    starts = good["date"].cast(pa.date32())
    types = [SERIES_PERIODS[u] for u in good["temporal_unit"].to_pylist()]
    columns = {
        "measure": good["measure"],
        "period_type": pa.array(types, pa.string()),
        "period_start": starts,
        "period_end": pa.array([period_end(s, t) for s, t in zip(starts.to_pylist(), types)], pa.date32()),
        "adult_juvenile": good["group"],
        "rate": good["rate"],
        "value": good["value"].cast(pa.float64()),
        "source_row": good["source_row"],
    }
    return pa.table(columns).cast(SERIES_SCHEMA)


def partition_label(layout: str, key: dict) -> str:
    """A fact partition's name, e.g. layout=geographic/period_start=2019-04-01/period_type=quarterly."""
    return "/".join(f"{k}={v}" for k, v in ({"layout": layout} | key).items())


def quarantine_partitions(bad: pa.Table, layout: str, source: str) -> list[str]:
    """The fact partition each held-back row would have replaced (its cohort period, or its series
    measure and unit), so that it is replaced with that partition; a row whose period cannot be
    read belongs to its file."""
    if layout == "series":
        keys = [{"measure": m, "period_type": SERIES_PERIODS.get(u)} if m and u in SERIES_PERIODS else None
                for m, u in zip(bad["measure"].to_pylist(), bad["temporal_unit"].to_pylist())]
    else:
        keys = [{"period_start": s, "period_type": t} if s and t else None
                for s, t in zip(bad["period_start"].to_pylist(), bad["period_type"].to_pylist())]
    return [partition_label(layout, k) if k else partition_label(layout, {"file": source}) for k in keys]


def quarantine_rows(bad: pa.Table, layout: str, source: str) -> pa.Table:
    """Held-back rows as published, with the layout, the partition they belong to, the rules and the file."""
    n = bad.num_rows
    names = SERIES_COLUMNS if layout == "series" else TABLE_COLUMNS
    values = [json.dumps(row, ensure_ascii=False) for row in bad.select(names).to_pylist()]
    return pa.Table.from_pydict({
        "layout": pa.nulls(n, pa.string()).fill_null(layout),
        "partition_key": pa.array(quarantine_partitions(bad, layout, source), pa.string()),
        "source_row": bad["source_row"],
        "values_json": pa.array(values, pa.string()),
        "rule": bad["rule"],
    }, schema=QUARANTINE_SCHEMA)
