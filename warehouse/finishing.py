"""The Python step of a mart build: intervals, significance and disclosure control.

SQL cannot compute chi-square quantiles, and choosing complementary suppressions is a search, so
each mart's SELECT declares these columns (null) and `finish_mart` fills them: it reads the
mart inside the build transaction, computes with `warehouse.statistics` and
`warehouse.disclosure`, and writes the rows back in bulk. Both warehouses run the same Python on
the same rows, so they publish the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from warehouse import disclosure
from warehouse import statistics as st
from warehouse.load import bulk_insert_arrow

Finisher = Callable[[sa.Connection, pa.Table], pa.Table]


def read_mart(conn: sa.Connection, name: str) -> pa.Table:
    """The mart's rows as an Arrow table (read inside the caller's transaction)."""
    result = conn.execute(sa.text(f"select * from {name}"))
    columns = list(result.keys())
    rows = result.fetchall()
    return pa.table({c: pa.array([r[i] for r in rows]) for i, c in enumerate(columns)}) if rows else \
        pa.table({c: pa.array([], pa.null()) for c in columns})


def numbers(table: pa.Table, column: str) -> np.ndarray:
    """A column as float64, NaN for null."""
    col = table.column(column)
    if pa.types.is_null(col.type):
        return np.full(table.num_rows, np.nan)
    return pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False).astype("float64")


def put(table: pa.Table, column: str, values) -> pa.Table:
    """Replace a column: floats (NaN becomes null) or an object array (None is null)."""
    values = np.asarray(values)
    if values.dtype == object:
        array = pa.array(list(values))
    else:
        array = pa.array(values.astype("float64"), type=pa.float64(), from_pandas=True)
    return table.set_column(table.schema.get_field_index(column), column, array)


def with_wilson(table: pa.Table, numerator: str, denominator: str, prefix: str) -> pa.Table:
    """Fill <prefix>_lower and <prefix>_upper with the Wilson interval of numerator / denominator."""
    lower, upper = st.wilson_interval(numbers(table, numerator), numbers(table, denominator))
    return put(put(table, f"{prefix}_lower", lower), f"{prefix}_upper", upper)


def with_count_change_test(table: pa.Table, before: str, after: str, before_exposure: str | None = None,
                           after_exposure: str | None = None) -> pa.Table:
    """Fill change_p_value and change_significant: the conditional test of two Poisson counts,
    with each period's exposure where both are known, else the counts as they stand."""
    k1, k2 = numbers(table, before), numbers(table, after)
    e1 = numbers(table, before_exposure) if before_exposure else np.ones(len(k1))
    e2 = numbers(table, after_exposure) if after_exposure else np.ones(len(k1))
    known = (e1 > 0) & (e2 > 0)
    p = st.poisson_change_p(k1, np.where(known, e1, 1.0), k2, np.where(known, e2, 1.0))
    return put(put(table, "change_p_value", p), "change_significant", st.significant(p))


def crime_trend(conn, table):
    """Change between years: conditional Poisson test, residents as exposure."""
    return with_count_change_test(table, "previous_crimes_comparable", "crimes_comparable",
                                  "previous_population", "population")


def with_rate_interval(table: pa.Table, count: str, population: str = "population",
                       months_column: str = "months_covered") -> pa.Table:
    """Fill rate_lower and rate_upper: Garwood's interval of count per 1,000 residents, annualised
    like the rate (x 12 / months)."""
    months = numbers(table, months_column)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(months > 0, 1000 * 12 / months, np.nan)
        lower, upper = st.rate_interval(numbers(table, count), numbers(table, population), 1.0)
        return put(put(table, "rate_lower", lower * scale), "rate_upper", upper * scale)


def area_rates(conn, table):
    """Rates: Garwood interval on the located count."""
    return with_rate_interval(table, "located_count")


def offence_measures(conn, table):
    """Shares of all crime and of serious violence (Wilson), rate (Garwood), change (conditional
    Poisson test)."""
    table = with_wilson(table, "crimes", "all_crimes", "share")
    table = with_wilson(table, "crimes", "serious_violence_crimes", "share_of_serious_violence")
    table = with_rate_interval(table, "located_count")
    return with_count_change_test(table, "previous_crimes_comparable", "crimes_comparable", "previous_population", "population")


def harm(conn, table):
    """Harm per 1,000 residents: Fay and Feuer's interval of the located harm, annualised like the rate."""
    months, population = numbers(table, "months_covered"), numbers(table, "population")
    lower, upper = st.weighted_poisson_interval(numbers(table, "located_harm"), numbers(table, "located_harm_squares"),
                                                numbers(table, "max_weight"))
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where((months > 0) & (population > 0), 1000 * 12 / months / population, np.nan)
    published = ~np.isnan(numbers(table, "harm_per_1000"))
    return put(put(table, "harm_per_1000_lower", np.where(published, lower * scale, np.nan)), "harm_per_1000_upper",
               np.where(published, upper * scale, np.nan))


def reporting_lag(conn, table):
    """Share of the category's crimes in the band: Wilson interval."""
    return with_wilson(table, "crimes", "category_crimes", "share")


def volume_harm(conn, table):
    """Volume share: Wilson interval."""
    return with_wilson(table, "crimes", "total_crimes", "volume_share")


def domestic_abuse(conn, table):
    """Three shares: Wilson intervals."""
    table = with_wilson(table, "domestic_abuse", "crimes", "domestic_abuse_share")
    table = with_wilson(table, "alcohol_related", "domestic_abuse", "alcohol_share")
    return with_wilson(table, "male_victims", "victims_with_sex", "male_victim_share")


def hate_crime(conn, table):
    """Change between years: conditional Poisson test over the same months, residents as exposure."""
    return with_count_change_test(table, "previous_crimes_comparable", "crimes_comparable", "previous_population",
                                  "population")


def victim_offender(conn, table):
    """Each cell's share of its role: Wilson interval."""
    return with_wilson(table, "people", "role_people", "share")


def reoffending_rate(conn, table):
    """Proportion reoffending: Wilson interval; reoffences per reoffender: Garwood interval."""
    lower, upper = st.rate_interval(numbers(table, "reoffences"), numbers(table, "reoffenders"), 1.0)
    published = ~np.isnan(numbers(table, "frequency"))
    table = put(put(table, "frequency_lower", np.where(published, lower, np.nan)), "frequency_upper",
                np.where(published, upper, np.nan))
    return with_wilson(table, "reoffenders", "offenders", "proportion")


def reoffender_profile(conn, table):
    """Proportion reoffending and share of reoffenders: Wilson intervals."""
    table = with_wilson(table, "reoffenders", "offenders", "proportion")
    return with_wilson(table, "reoffenders", "total_reoffenders", "share")


def reoffence_mix(conn, table):
    """Share of listed reoffences: Wilson interval."""
    return with_wilson(table, "reoffences", "total_reoffences", "share")


def hide(table: pa.Table, hidden: np.ndarray, columns: list[str]) -> pa.Table:
    """Null the columns on hidden rows."""
    mask = pa.array(hidden)
    for column in columns:
        col = table.column(column)
        table = table.set_column(table.schema.get_field_index(column), column,
                                 pc.if_else(mask, pa.scalar(None, col.type), col))
    return table


def labelled(primary: np.ndarray, hidden: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The suppressed flag and 'primary' / 'secondary' / None for each row."""
    kind = np.where(primary, "primary", np.where(hidden, "secondary", None)).astype(object)
    kind[kind == "None"] = None
    return hidden.astype(object), kind


def _keys(*parts) -> list:
    """Row-wise tuples of the parts, None wherever any part is None."""
    return [None if any(p is None or p != p for p in row) else row for row in zip(*parts)]


def community_issues(conn, table):
    """Wilson intervals on each share; primary and complementary suppression over the area hierarchy."""
    table = with_wilson(table, "responses", "total_responses", "share")
    table = table.sort_by([("area_level", "ascending"), ("area_code", "ascending"), ("issue_category", "ascending"),
                           ("issue_detail", "ascending")])
    ward_parent = dict(conn.execute(sa.text("select distinct ward_code, authority_code from fact_itk_response")).all())
    auth_bcu = dict(conn.execute(sa.text("select distinct authority_code, bcu from fact_itk_response where bcu is not null")).all())
    county_of = dict(conn.execute(sa.text("select distinct authority_code, force_area_code from dim_geography "
                                          "where force_area_code is not null")).all())
    county_of |= dict(conn.execute(sa.text("select distinct bcu, force_area_code from dim_geography "
                                           "where bcu is not null and force_area_code is not null")).all())
    level = table.column("area_level").to_pylist()
    code = table.column("area_code").to_pylist()

    def edge(parent_level, child_level, parent_of):
        """Each row's key in the group of a parent and its children (the parent's code), and
        whether the row is that group's total."""
        key = [c if lv == parent_level else parent_of.get(c) if lv == child_level else None for lv, c in zip(level, code)]
        return key, [lv == parent_level for lv in level]

    edges = [edge("county", "authority", county_of), edge("county", "bcu", county_of),
             edge("bcu", "authority", auth_bcu), edge("authority", "ward", ward_parent)]
    area = list(zip(level, code))
    totals = numbers(table, "total_responses")
    # denominators first, one cell per area (the same for every issue), then each issue's counts
    first = {a: i for i, a in reversed(list(enumerate(area)))}
    area_rows = np.array(sorted(first.values()))
    area_groups = disclosure.groups_from_keys([(np.array(key, dtype=object)[area_rows], np.array(total)[area_rows])
                                               for key, total in edges])
    hidden_areas = disclosure.complementary(disclosure.small(totals[area_rows]), totals[area_rows], area_groups)
    hidden_total = np.array([hidden_areas[np.searchsorted(area_rows, first[a])] for a in area])
    issue = list(zip(table.column("row_type").to_pylist(), table.column("issue_category").to_pylist(),
                     table.column("issue_detail").to_pylist()))
    counts = numbers(table, "responses")
    primary = disclosure.small(counts) | disclosure.small(totals)
    groups = disclosure.groups_from_keys([(_keys(issue, key), total) for key, total in edges])
    hidden = disclosure.complementary(primary | hidden_total, counts, groups)
    table = hide(table, hidden, ["responses", "share", "share_lower", "share_upper", "priority_score"])
    table = hide(table, hidden_total, ["total_responses"])
    table = put(table, "rank", published_rank(table, hidden))
    flag, kind = labelled(primary, hidden)
    return put(put(table, "suppressed", flag), "suppression", kind)


def published_rank(table: pa.Table, hidden: np.ndarray) -> np.ndarray:
    """Rank by responses, then priority_score, among the published cells of each area and row
    type: a rank counted over hidden cells would bound them between their neighbours."""
    frame = table.select(["area_level", "area_code", "row_type"]).to_pandas()
    frame["score"] = numbers(table, "responses") * 1e7 + numbers(table, "priority_score")
    frame.loc[hidden, "score"] = np.nan
    ranks = frame.groupby(["area_level", "area_code", "row_type"])["score"].rank(method="min", ascending=False)
    return np.array([None if np.isnan(r) else int(r) for r in ranks], dtype=object)


MEAN_INDICATORS = {"mean_units_per_week"}  # a mean, not a proportion: a t interval and Welch's test


# indicators asked of drinkers: their denominator is the drinks_alcohol numerator of the same cell
DRINKERS = "drinks_alcohol"
OF_DRINKERS = {"drinks_with_parents", "alcohol_from_family", "bought_alcohol_self", "drinks_due_to_peer_pressure",
               "drinks_to_get_drunk"}


def linked_suppression(num, den, primary, groups, parent) -> tuple[np.ndarray, np.ndarray]:
    """Hidden denominators and hidden cells, where a cell's denominator that equals another cell's
    numerator (parent >= 0) is hidden exactly when that numerator is: otherwise the one published
    would give the other away. Repeated until neither grows (each pass only adds cells)."""
    child = parent >= 0
    pick = np.where(child, parent, 0)
    den_seed, num_seed = disclosure.small(den), primary.copy()
    while True:
        hidden_den = disclosure.complementary(den_seed, den, groups)
        hidden = disclosure.complementary(num_seed | hidden_den, num, groups)
        grown_den = den_seed | (child & hidden[pick])
        grown_num = num_seed.copy()
        grown_num[parent[child & hidden_den]] = True
        if (grown_den == den_seed).all() and (grown_num == num_seed).all():
            return hidden_den, hidden
        den_seed, num_seed = grown_den, grown_num


def young_persons(conn, table):
    """Primary and complementary suppression across gender and area, then intervals and the change
    between waves from published cells only."""
    grain = ["wave", "area_level", "area_name", "gender", "indicator"]
    table = table.sort_by([(c, "ascending") for c in grain])
    in_l12 = dict(conn.execute(sa.text("select distinct authority_name, is_lancashire_12 "
                                       "from fact_young_persons_response")).all())
    wave, level, name, gender, indicator = (table.column(c).to_pylist() for c in grain)
    cell = list(zip(wave, gender, indicator))
    by_gender = _keys(wave, level, name, indicator)
    county = [c if lv == "county" or lv == "authority" else None for c, lv in zip(cell, level)]
    l12 = [c if lv == "lancashire_12" or (lv == "authority" and in_l12.get(n)) else None
           for c, lv, n in zip(cell, level, name)]
    unitaries = [c if lv in ("county", "lancashire_12") or (lv == "authority" and in_l12.get(n) is False) else None
                 for c, lv, n in zip(cell, level, name)]
    groups = disclosure.groups_from_keys([
        (by_gender, [g == "All" for g in gender]), (county, [lv == "county" for lv in level]),
        (l12, [lv == "lancashire_12" for lv in level]), (unitaries, [lv == "county" for lv in level])])
    num, den = numbers(table, "numerator"), numbers(table, "denominator")
    proportion = np.array([i not in MEAN_INDICATORS for i in indicator])
    primary = disclosure.small(den) | (proportion & disclosure.small(num))
    position = {key: i for i, key in enumerate(zip(wave, level, name, gender, indicator))}
    parent = np.array([position.get((w, lv, n, g, DRINKERS), -1) if i in OF_DRINKERS else -1
                       for w, lv, n, g, i in zip(wave, level, name, gender, indicator)])
    hidden_den, hidden = linked_suppression(num, den, primary, groups, parent)

    value, sd = numbers(table, "value"), numbers(table, "value_sd")
    lower, upper = st.wilson_interval(num, den)
    mean_lower, mean_upper = st.mean_interval(value, sd, den)
    table = put(put(table, "value_lower", np.where(proportion, lower, mean_lower)), "value_upper",
                np.where(proportion, upper, mean_upper))
    value = np.where(hidden, np.nan, value)
    before = np.array([position.get(key, -1) for key in zip(table.column("previous_wave").to_pylist(), level, name,
                                                              gender, indicator)])
    has_before = before >= 0
    pick = np.where(has_before, before, 0)
    previous_value = np.where(has_before, value[pick], np.nan)
    published_pair = has_before & ~hidden & ~hidden[pick]
    p = np.where(proportion, st.two_proportion_p(num[pick], den[pick], num, den),
                 st.welch_p(value[pick], sd[pick], den[pick], value, sd, den))
    p = np.where(published_pair, p, np.nan)
    table = put(table, "previous_wave_value", previous_value)
    table = put(table, "change", np.where(published_pair, value - previous_value, np.nan))
    table = put(put(table, "change_p_value", p), "change_significant", st.significant(p))
    table = hide(table, hidden, ["numerator", "value", "value_sd", "value_lower", "value_upper", "change",
                                 "change_p_value", "change_significant"])
    table = hide(table, hidden_den, ["denominator"])
    flag, kind = labelled(primary, hidden)
    return put(put(table, "suppressed", flag), "suppression", kind)


def text(table: pa.Table, column: str) -> np.ndarray:
    """A column as an object array (None for null)."""
    return np.array(table.column(column).to_pylist(), dtype=object)


def suppressed(table: pa.Table, primary: np.ndarray, hidden: np.ndarray, columns: list[str]) -> pa.Table:
    """Null the columns on hidden rows and say which rows are hidden, and why."""
    flag, kind = labelled(primary, hidden)
    return put(put(hide(table, hidden, columns), "suppressed", flag), "suppression", kind)


def lsoa_concentration(conn, table):
    """Shares given the LSOAs chosen (Wilson for counts, the F interval of the weighted sums for harm); a top group
    holding 1-4 crimes or incidents is suppressed by the ward rule (no published total is the sum of
    top groups, so no complement is needed)."""
    counts = text(table, "measure") != "harm"
    top, total = numbers(table, "in_top"), numbers(table, "total")
    wilson = st.wilson_interval(top, total)
    weighted = st.weighted_share_interval(top, numbers(table, "in_top_squares"), total, numbers(table, "total_squares"),
                                       numbers(table, "max_weight"))
    table = put(table, "share_lower", np.where(counts, wilson[0], weighted[0]))
    table = put(table, "share_upper", np.where(counts, wilson[1], weighted[1]))
    primary = disclosure.small(numbers(table, "events_in_top"), disclosure.SMALLEST_CRIME_COUNT)
    return suppressed(table, primary, primary, ["in_top", "in_top_squares", "events_in_top", "share", "share_lower",
                                                "share_upper"])


def persistent_hotspots(conn, table):
    """Garwood's interval on the window's count, annualised; a count of 1-4 suppressed by the ward rule."""
    table = with_rate_interval(table, "count", months_column="months_in_window")
    primary = disclosure.small(numbers(table, "count"), disclosure.SMALLEST_CRIME_COUNT)
    return suppressed(table, primary, primary, ["count", "rate_per_1000", "rate_lower", "rate_upper"])


GRADIENT_CELL = ["source", "force", "area_level", "area_code", "financial_year", "measure"]
LEAST_DEPRIVED = 10


def deprivation_gradient(conn, table):
    """Rate intervals (Garwood for counts, Fay and Feuer for harm), each decile's rate ratio to the
    least deprived decile with its interval, then the ward rule with complements over both additive
    relations: an area's deciles to its total (published in the area marts) and the authorities'
    deciles to the county's."""
    frame = table.select(GRADIENT_CELL + ["imd_decile"]).to_pandas()
    harm = (frame["measure"] == "harm").to_numpy()
    count, squares, population = numbers(table, "count"), numbers(table, "count_squares"), numbers(table, "population")
    months = numbers(table, "months_covered")
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where((months > 0) & (population > 0), 1000 * 12 / months / population, np.nan)
    plain = st.poisson_interval(count)
    weighted = st.weighted_poisson_interval(count, squares, numbers(table, "max_weight"))
    table = put(table, "rate_lower", np.where(harm, weighted[0], plain[0]) * scale)
    table = put(table, "rate_upper", np.where(harm, weighted[1], plain[1]) * scale)

    cell = frame[GRADIENT_CELL].astype(str).agg("|".join, axis=1)
    least = frame.index[frame["imd_decile"] == LEAST_DEPRIVED]
    at = cell.map(pd.Series(least, index=cell[least])).to_numpy(dtype="float64")
    has = ~np.isnan(at)
    ref = np.where(has, at, 0).astype(int)
    weight = numbers(table, "max_weight")
    k2, e2, v2, w2 = (np.where(has, column[ref], np.nan) for column in (count, population, squares, weight))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(k2 > 0, (count / population) / (k2 / e2), np.nan)
    exact = st.count_ratio_interval(count, population, k2, e2)
    tiwari = st.weighted_ratio_interval(count, squares, weight, population, k2, v2, w2, e2)
    itself = has & (ref == np.arange(len(ref)))  # the least deprived decile against itself: exactly 1
    table = put(table, "rate_ratio", np.where(itself & (k2 > 0), 1.0, ratio))
    table = put(table, "rate_ratio_lower", np.where(itself & (k2 > 0), 1.0, np.where(harm, tiwari[0], exact[0])))
    table = put(table, "rate_ratio_upper", np.where(itself & (k2 > 0), 1.0, np.where(harm, tiwari[1], exact[1])))

    level = frame["area_level"].to_numpy()
    by_area = [np.asarray(rows) for rows in frame.groupby(GRADIENT_CELL, sort=False).indices.values()]
    county_deciles = disclosure.groups_from_keys([(
        _keys(*(frame[c] for c in ["source", "force", "financial_year", "measure", "imd_decile"])), level == "county")])
    primary = disclosure.small(numbers(table, "crimes"), disclosure.SMALLEST_CRIME_COUNT)
    hidden = disclosure.complementary_with_outside_totals(
        primary, count, by_area + county_deciles, [True] * len(by_area) + [False] * len(county_deciles))
    # a ratio published against a hidden least deprived decile would give that decile's rate away
    ratio_hidden = hidden | (has & hidden[ref])
    table = hide(table, ratio_hidden, ["rate_ratio", "rate_ratio_lower", "rate_ratio_upper"])
    return suppressed(table, primary, hidden, ["count", "count_squares", "crimes", "rate_per_1000", "rate_lower",
                                               "rate_upper"])


def outcomes(conn, table):
    """Each outcome group's share of its cell's crimes: Wilson interval."""
    return with_wilson(table, "crimes", "cell_crimes", "share")


def ward_crime(conn, table):
    """Garwood's interval on each rate; the ward rule with complements inside each authority (its
    wards) and each ward (its LSOAs), a published hotspot's LSOA chosen last."""
    table = with_rate_interval(table, "count")
    level, code, parent = text(table, "area_level"), text(table, "area_code"), text(table, "parent_code")
    cell = [text(table, c) for c in ["force", "financial_year", "measure"]]
    in_authority = _keys(*cell, np.where(level == "authority", code, np.where(level == "ward", parent, None)))
    in_ward = _keys(*cell, np.where(level == "ward", code, np.where(level == "lsoa", parent, None)))
    groups = disclosure.groups_from_keys([(in_authority, level == "authority"), (in_ward, level == "ward")])
    counts = numbers(table, "count")
    primary = (level != "authority") & disclosure.small(counts, disclosure.SMALLEST_CRIME_COUNT)
    hotspot = np.array([bool(h) for h in text(table, "is_persistent_hotspot")])
    hidden = disclosure.complementary(primary, np.where(hotspot, np.inf, counts), groups)
    return suppressed(table, primary, hidden, ["count", "rate_per_1000", "rate_lower", "rate_upper"])


FINISHERS: dict[str, Finisher] = {
    "mart_lsoa_concentration": lsoa_concentration,
    "mart_persistent_hotspots": persistent_hotspots,
    "mart_deprivation_gradient": deprivation_gradient,
    "mart_outcomes": outcomes,
    "mart_ward_crime": ward_crime,
    "mart_crime_trend": crime_trend,
    "mart_area_rates": area_rates,
    "mart_offence_measures": offence_measures,
    "mart_reporting_lag": reporting_lag,
    "mart_harm": harm,
    "mart_crime_volume_harm": volume_harm,
    "mart_domestic_abuse": domestic_abuse,
    "mart_hate_crime": hate_crime,
    "mart_victim_offender_profile": victim_offender,
    "mart_reoffending_rate": reoffending_rate,
    "mart_reoffender_profile": reoffender_profile,
    "mart_reoffence_mix": reoffence_mix,
    "mart_community_issues": community_issues,
    "mart_young_persons_indicators": young_persons,
}


def finish_mart(conn: sa.Connection, name: str, grain: tuple[str, ...] = (), table: str | None = None) -> None:
    """Fill the computed columns of the mart's table (built aside), inside the build transaction. Rows reach the
    finisher in grain order, sorted here (the engines collate text differently), so a choice that
    breaks ties by position, as complementary suppression does, is the same on both warehouses."""
    finisher = FINISHERS.get(name)
    if finisher is None:
        return
    where = table or name  # the table built aside (warehouse/swap.py)
    rows = read_mart(conn, where)
    if rows.num_rows == 0:
        return
    if grain:
        rows = rows.sort_by([(column, "ascending") for column in grain])
    finished = finisher(conn, rows)
    conn.execute(sa.text(f"delete from {where}"))
    bulk_insert_arrow(conn, where, finished, finished.schema.names)
