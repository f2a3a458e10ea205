"""The assessment's figures (E1-E11 of shared/specs/marts.md), each read from one mart for one area.

A figure carries its data rows (the CSV beside the page), an optional chart, and what a reader
needs to trust it: the mart, the data's time window, the weights version where harm is used,
and (filled in by `lineage`) the runs and source files it came from through the load log.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from tasks.evidence import charts, maps
from tasks.registry import FEEDS

COUNTY = None  # the area argument for the county page
SOURCE_NAMES = {"police_uk": "data.police.uk", "force_extract": "the force's crime records", "ho_csp": "Home Office tables"}
FEED_FACTS = {f.name: list(f.facts) for f in FEEDS}  # which tables hold each feed's rows (with their lineage)


@dataclass
class Figure:
    """One figure or table of a page."""

    key: str            # file-safe id, e.g. e1-trend
    evidence: str       # E1 ... E11
    title: str
    mart: str
    window: str
    rows: list[dict]
    chart: str | None = None
    weights_version: str | None = None
    note: str | None = None
    sources: list[dict] = field(default_factory=list)  # source_name, source_sha256, run_id
    files: dict[str, bytes] = field(default_factory=dict)  # extension -> the chart as a file beside the page (svg, png)
    empty: str = "No data loaded for this figure."  # what the page says when there are no rows

    @property
    def columns(self) -> list[str]:
        """Column names of the data rows."""
        return list(self.rows[0]) if self.rows else []


def fetch(conn: sa.Connection, sql: str, **params) -> list[dict]:
    """Rows of a query as dicts (values only ever as bound parameters)."""
    return [dict(r._mapping) for r in conn.execute(sa.text(sql), params)]


def scalar(conn: sa.Connection, sql: str, **params):
    """The first column of the first row, or None."""
    row = conn.execute(sa.text(sql), params).first()
    return row[0] if row else None


def _level(area: str | None) -> tuple[str, str | None]:
    return ("county", None) if area is COUNTY else ("authority", area)


AREA = "(area_level = :level and (cast(:name as text) is null or area_name = :name))"
FORCE_AREA = f"(force = :force and {AREA})"  # marts holding many forces: one partnership's force only


def part_year(months: int | None) -> str:
    """'' for a full year, else how much of it the figures cover."""
    return "" if months in (None, 12) else f" (part year: {months} of 12 months)"


def annualised(months: int | None) -> str:
    """'' for a full year, else how much of it a rate covers and that it is annualised."""
    return part_year(months).replace(" months)", " months, annualised)")


def years_window(rows: list[dict]) -> str:
    """The financial years of the rows, each part year saying how many months it covers."""
    years = sorted({(r["financial_year"], r["months_covered"]) for r in rows})
    return ", ".join(f"{year}{part_year(months)}" for year, months in years) or "no data"


def cohort_window(rows: list[dict]) -> str:
    """The cohort year of the rows, saying so when it holds fewer than four quarterly cohorts."""
    if not rows:
        return "no data"
    quarters = rows[0]["quarters_covered"]
    return f"cohort year {rows[0]['cohort_period']}" + ("" if quarters == 4 else f" (part year: {quarters} of 4 quarters)")


def trend(conn, area, force):
    """E1: crimes by category and financial year, with the change over the months both years hold."""
    level, name = _level(area)
    # all crime but ASB as mart_area_rates publishes it (count), never summed here
    totals = fetch(conn, f"select source, financial_year, months_covered, count as crimes from mart_area_rates "
                         f"where {FORCE_AREA} and measure = 'all_crime' order by financial_year, source",
                   level=level, name=name, force=force)
    series: dict[str, list] = {}
    for r in totals:
        series.setdefault(r["source"], []).append((f"{r['financial_year']}{'*' if r['months_covered'] < 12 else ''}",
                                                   float(r["crimes"])))
    rows = fetch(conn, f"select source, financial_year, months_covered, crime_type, crimes, change_basis, "
                       f"previous_crimes_comparable, crimes_comparable, change, change_p_value, change_significant "
                       f"from mart_crime_trend where {FORCE_AREA} and financial_year = (select max(financial_year) "
                       f"from mart_crime_trend where force = :force) order by source, crimes desc",
                 level=level, name=name, force=force)
    years = sorted({r["financial_year"] for r in totals})
    latest = {(r["source"], r["financial_year"], r["months_covered"]) for r in rows}
    window = (f"financial years {years[0]} to {years[-1]}; the table: "
              + "; ".join(f"{src} {year}{part_year(months)}" for src, year, months in sorted(latest))
              if years else "no data")
    named = {SOURCE_NAMES.get(source, source): points for source, points in series.items()}
    fig = Figure("trend", "E1", "Recorded crime by year and category", "mart_crime_trend", window, rows,
                  note="Each source counts by its own rule (police.uk: one Crime ID per month, ASB rows as incidents; "
                       "force extract: one crime reference; Home Office tables: the published figure) and is never "
                       "added to another. A change compares only the months both years hold (change_basis); "
                       "change_significant comes from a test of the two counts at 95%.")
    if not series:
        return fig
    chart = charts.lines(named, "All recorded crime (excluding ASB) by financial year",
                         [f"{window.split(';')[0]}; each source on its own line, never added (* part year)"], "crimes")
    return drawn(fig, chart, "Line chart of all recorded crime excluding ASB by financial year, one line per source: "
                 + "; ".join(f"{name}: " + ", ".join(f"{year} {value:,.0f}" for year, value in points)
                             for name, points in named.items()) + ".")


def volume_harm(conn, area, force):
    """E2, Figure 1: each category's share of crime count beside its share of harm, from the force
    extract's offence-coded weights when it is loaded, else the police.uk approximation."""
    level, name = _level(area)
    source = scalar(conn, "select min(source) from mart_crime_volume_harm where force = :force "
                          "and source in ('force_extract', 'police_uk')", force=force)
    rows = fetch(conn, f"select financial_year, months_covered, category, crimes, volume_share, volume_share_lower, "
                       f"volume_share_upper, harm_share, unweighted_crimes, weights_version "
                       f"from mart_crime_volume_harm where {FORCE_AREA} and source = :source and financial_year = "
                       "(select max(financial_year) from mart_crime_volume_harm where source = :source and force = :force) "
                       "order by volume_share desc", level=level, name=name, source=source, force=force)
    version = rows[0]["weights_version"] if rows else None
    window = f"financial year {rows[0]['financial_year']}{part_year(rows[0]['months_covered'])}" if rows else "no data"
    basis = ("the force extract, each crime weighted by its Home Office offence code's Crime Severity Score"
             if source == "force_extract" else
             "police.uk street crime, weighted by an approximate weight per police.uk crime type "
             "(the force extract is not loaded)")
    fig = Figure("volume-harm", "E2", "Share of crime count against share of harm", "mart_crime_volume_harm", window,
                 rows, weights_version=version, note=f"Harm from {basis}.")
    if not rows:
        return fig
    chart = charts.paired_bars([(r["category"], r["volume_share"], r["harm_share"]) for r in rows],
                               "Figure 1: share of crime count against share of harm",
                               [f"{window}; {SOURCE_NAMES.get(source, source)}"], ("share of count", "share of harm"),
                               "share of the area's crimes or harm")
    return drawn(fig, chart, "Paired bar chart of each category's share of crime count and share of harm: "
                 + "; ".join(f"{r['category']} {r['volume_share']:.0%} of count, "
                             + ("harm not weighted" if r["harm_share"] is None else f"{r['harm_share']:.0%} of harm")
                             for r in rows) + ".")


def rates(conn, area, force, measure: str = "all_crime", source: str = "police_uk"):
    """E3: crime per 1,000 residents by authority, ranked, with intervals; the profile's authority highlighted."""
    rows = fetch(conn, "select financial_year, months_covered, is_annualised, area_name, count, located_count, population, "
                       "rate_per_1000, rate_lower, rate_upper, rank from mart_area_rates "
                       "where force = :force and area_level in ('county', 'authority') and measure = :measure "
                       "and source = :source and financial_year = (select max(financial_year) from mart_area_rates "
                       "where source = :source and force = :force) order by area_level desc, rank",
                 measure=measure, source=source, force=force)
    label = measure.replace("_", " ")
    window = (f"financial year {rows[0]['financial_year']}{part_year(rows[0]['months_covered'])} ({SOURCE_NAMES.get(source, source)})"
              if rows else "no data")
    annualised = bool(rows) and rows[0]["is_annualised"]
    fig = Figure(f"rates-{measure.replace('_', '-')}", "E3", f"{label.capitalize()} per 1,000 residents, ranked",
                 "mart_area_rates", window, rows,
                  note=("Rates are annualised from the months covered (x 12 / months). " if annualised else "")
                  + "Rates count crimes located in an authority (the county's too); the row 'Not allocated to an "
                    "authority' states the rest. rate_lower and rate_upper: exact Poisson 95% interval.")
    ranked_rows = [r for r in rows if r["rank"] is not None]
    if not ranked_rows:
        return fig
    chart = charts.bars([(r["area_name"], r["rate_per_1000"]) for r in ranked_rows], f"{label.capitalize()} per 1,000 residents",
                        [window + (", annualised" if annualised else "")], f"{label} per 1,000 residents", highlight=area)
    return drawn(fig, chart, f"Bar chart of {label} per 1,000 residents by authority, highest first: "
                 + said([(r["area_name"], r["rate_per_1000"]) for r in ranked_rows], ",.1f"))


def domestic_abuse(conn, area, force):
    """E4: domestic abuse share of crime, alcohol-related share of it, male victims, by authority, with intervals."""
    rows = fetch(conn, "select financial_year, months_covered, area_name, crimes, domestic_abuse, domestic_abuse_share, "
                       "domestic_abuse_share_lower, domestic_abuse_share_upper, alcohol_share, alcohol_share_lower, "
                       "alcohol_share_upper, male_victim_share, male_victim_share_lower, male_victim_share_upper, share_rank, "
                       "alcohol_share_rank from mart_domestic_abuse "
                       "where force = :force and area_level in ('county', 'authority') "
                       "and financial_year = (select max(financial_year) from mart_domestic_abuse where force = :force) "
                       "order by area_level desc, share_rank", force=force)
    window = (f"financial year {rows[0]['financial_year']}{part_year(rows[0]['months_covered'])} (force extract)"
              if rows else "no data")
    fig = Figure("domestic-abuse", "E4", "Domestic abuse", "mart_domestic_abuse", window, rows,
                 note="Shares with Wilson 95% intervals; ranks among the force's authorities.")
    ranked_rows = [r for r in rows if r["share_rank"] is not None]
    if not ranked_rows:
        return fig
    chart = charts.bars([(r["area_name"], r["domestic_abuse_share"]) for r in ranked_rows], "Domestic abuse share of crime",
                        [window], "share of recorded crime", percent=True, highlight=area)
    return drawn(fig, chart, "Bar chart of domestic abuse's share of recorded crime by authority: "
                 + said([(r["area_name"], r["domestic_abuse_share"]) for r in ranked_rows], ".1%"))


def hate_crime(conn, area, force):
    """E5: hate crime by strand, with the change over the months both years hold."""
    level, name = _level(area)
    rows = fetch(conn, f"select financial_year, months_covered, strand, crimes, change_basis, previous_crimes_comparable, "
                       f"crimes_comparable, change, change_p_value, change_significant from mart_hate_crime "
                       f"where {FORCE_AREA} order by financial_year, crimes desc", level=level, name=name, force=force)
    return Figure("hate-crime", "E5", "Hate crime by strand", "mart_hate_crime", years_window(rows), rows,
                  note="A crime with two strands counts under each and once under 'All strands'. A change compares "
                       "only the months both years hold (change_basis), tested at 95% with residents as exposure.")


def victim_profile(conn, area, force):
    """E6: victims by age band (all offences), with the modal band."""
    level, name = _level(area)
    rows = fetch(conn, f"select financial_year, months_covered, role, age_band, people, share, share_lower, share_upper, "
                       f"is_modal_band from mart_victim_offender_profile where {FORCE_AREA} and offence_group = 'All offences' "
                       "and sex = 'All' and financial_year = (select max(financial_year) from mart_victim_offender_profile "
                       "where force = :force) order by role, age_band", level=level, name=name, force=force)
    fig = Figure("victim-offender", "E6", "Victim and suspect age bands (all offences)", "mart_victim_offender_profile",
                 years_window(rows), rows, note="Both sexes together; shares of the role's people with Wilson 95% intervals.")
    victims = [(r["age_band"], None if r["people"] is None else float(r["people"])) for r in rows if r["role"] == "victim"]
    if not victims:
        return fig
    chart = charts.bars(victims, "Victims by age band", [f"{years_window(rows)}; the force's crime records"], "victims")
    return drawn(fig, chart, "Bar chart of victims by age band: "
                 + said(victims, ",.0f"))


def reoffending_rate(conn, area, force):
    """E7: proven reoffending rate over time, nationally and for the force area (annual cohorts, all ages)."""
    rows = fetch(conn, "select source, area_level, area_name, period_start, period_end, offenders, reoffenders, "
                       "reoffences, proportion_reoffending, proportion_lower, proportion_upper, frequency, suppressed, "
                       "is_partial_total from mart_reoffending_rate "
                       "where adult_juvenile = 'All' and period_type = 'annual' and area_level in ('national', 'force_area'"
                       + (", 'authority') and (area_level <> 'authority' or area_name = :name)" if area else ")")
                       # the partnership's own force area only, whatever other forces the warehouse holds
                       + " and (area_level <> 'force_area' or area_code in (select force_area_code from dim_geography "
                       "where force = :force)) order by area_level, period_start", name=area, force=force)
    series: dict[str, list] = {}
    for r in rows:
        series.setdefault(r["area_name"], []).append((str(r["period_start"])[:7], r["proportion_reoffending"]))
    starts = sorted(r["period_start"] for r in rows)
    window = f"annual cohorts starting {starts[0]} to {starts[-1]}" if rows else "no data"
    fig = Figure("reoffending-rate", "E7", "Proven reoffending rate (annual cohorts)", "mart_reoffending_rate", window, rows,
                  note="Annual figures are sums of their quarterly cohorts' counts, never averages of rates; a force "
                       "area missing an authority is not summed (is_partial_total). Wilson 95% intervals.")
    if not rows:
        return fig
    chart = charts.lines(series, "Proportion of offenders who reoffend", [f"{window}; Ministry of Justice"],
                         "proportion reoffending", percent=True, x_title="cohort starting")
    return drawn(fig, chart, "Line chart of the proven reoffending rate by annual cohort: "
                 + "; ".join(f"{name}: " + ", ".join(f"{start} {'suppressed' if v is None else f'{v:.0%}'}" for start, v in points)
                             for name, points in series.items()) + ".")


def reoffender_profile(conn, area, force):
    """E8, Table 2: reoffenders by age band and sex in the latest financial year of local cohorts."""
    level, name = _level(area)
    rows = fetch(conn, f"select cohort_period, quarters_covered, dimension, value, offenders, reoffenders, share, "
                       f"share_lower, share_upper, proportion_reoffending, proportion_lower, proportion_upper "
                       f"from mart_reoffender_profile where {AREA} and period_type = 'annual' and sex_group = 'All' "
                       "and dimension in ('age_band', 'sex', 'youth') and period_start = (select max(period_start) from "
                       "mart_reoffender_profile where period_type = 'annual') order by dimension, value", level=level, name=name)
    return Figure("reoffender-profile", "E8", "Table 2: reoffenders by age band, sex and youth", "mart_reoffender_profile",
                  cohort_window(rows), rows, note="Wilson 95% intervals on every share and proportion.")


def reoffence_mix(conn, area, force):
    """Table 3: the offence mix of reoffences."""
    level, name = _level(area)
    rows = fetch(conn, f"select cohort_period, quarters_covered, grouping, reoffence_group, reoffences, share, share_lower, "
                       f"share_upper, rank "
                       f"from mart_reoffence_mix where {AREA} and sex_group = 'All' "
                       "and period_type = 'annual' and period_start = (select max(period_start) from mart_reoffence_mix "
                       "where period_type = 'annual') order by grouping, rank", level=level, name=name)
    fig = Figure("reoffence-mix", "E8", "Table 3: offence groups of reoffences", "mart_reoffence_mix",
                 cohort_window(rows), rows)
    groups = [(r["reoffence_group"], r["share"]) for r in rows if r["grouping"] == "group"]
    if not groups:
        return fig
    chart = charts.bars(groups, "Share of reoffences by offence group", [f"{cohort_window(rows)}; local reoffender cohorts"],
                        "share of reoffences", percent=True)
    return drawn(fig, chart, "Bar chart of the share of reoffences by offence group: "
                 + said(groups, ".0%"))


def community_issues(conn, area, force):
    """E9: community issues ranked by share of responses, beside the county."""
    level, name = _level(area)
    rows = fetch(conn, "select a.period_start, a.period_end, a.months_covered, a.rank, a.issue_category, a.responses, "
                       "a.total_responses, a.share, a.priority_score, "
                       "a.share_lower, a.share_upper, a.suppressed, c.share as county_share "
                       "from mart_community_issues a join mart_community_issues c "
                       "on c.area_level = 'county' and c.row_type = 'category' and c.issue_category = a.issue_category "
                       "where a.row_type = 'category' and (a.area_level = :level and (cast(:name as text) is null or a.area_name = :name)) "
                       "order by a.rank, a.issue_category", level=level, name=name)
    window = (f"responses submitted {rows[0]['period_start']} to {rows[0]['period_end']} "
              f"({rows[0]['months_covered']} months), the current version of each") if rows else "no data"
    fig = Figure("community-issues", "E9", "Community issues (Lancashire Talking)", "mart_community_issues", window, rows,
                 note="Cells or areas of 1-9 responses are suppressed, and complementary cells with them so that "
                      "none can be worked out by subtraction. Wilson 95% intervals.")
    if not rows:
        return fig
    shares = [(r["issue_category"], r["share"]) for r in rows]
    chart = charts.bars(shares, "Share of responses naming the issue", [f"{window}; Lancashire Talking"],
                        "share of responses", percent=True)
    return drawn(fig, chart, "Bar chart of the share of residents' responses naming each issue: "
                 + said(shares, ".0%"))


def young_persons(conn, area, force):
    """E10: young persons indicators in the latest wave with the change from the previous wave, beside the county."""
    level, name = _level(area)
    rows = fetch(conn, "select a.wave, a.period_start, a.period_end, a.indicator, a.numerator, a.denominator, a.value, a.value_lower, a.value_upper, "
                       "a.previous_wave_value, a.change, a.change_p_value, a.change_significant, a.suppressed, "
                       "c.value as county_value from mart_young_persons_indicators a "
                       "join mart_young_persons_indicators c on c.area_level = 'county' and c.gender = 'All' "
                       "and c.indicator = a.indicator and c.wave = a.wave "
                       "where a.gender = 'All' and (a.area_level = :level and (cast(:name as text) is null or a.area_name = :name)) "
                       "and a.wave = (select max(wave) from mart_young_persons_indicators) order by a.indicator",
                 level=level, name=name)
    window = f"wave {rows[0]['wave']} (questionnaires {rows[0]['period_start']} to {rows[0]['period_end']})" if rows else "no data"
    fig = Figure("young-persons", "E10", "Young Persons Survey indicators", "mart_young_persons_indicators", window, rows,
                 note="Cells of 1-9 pupils are suppressed, and complementary cells with them so that none can be "
                      "worked out by subtraction. A change is significant only where its test says so at 95% "
                      "(two-proportion z-test; Welch's t-test for mean units); otherwise it is no significant change.")
    shares = [(r["indicator"].replace("_", " "), r["value"]) for r in rows if r["indicator"] != "mean_units_per_week"]
    if not shares:
        return fig
    chart = charts.bars(shares, "Share of pupils, latest wave", [f"{window}; Trading Standards Young Persons Survey"],
                        "share of pupils", percent=True)
    return drawn(fig, chart, "Bar chart of the share of pupils for each indicator in the latest wave: "
                 + said(shares, ".0%"))


def threat_ranking(conn, area, force):
    """E11, Table 1: the threat ranking."""
    rows = fetch(conn, "select rank, threat, organisational_risk_indicator from mart_threat_ranking order by rank")
    return Figure("threat-ranking", "E11", "Table 1: threat ranking", "mart_threat_ranking", "current ranking", rows)


def deprivation_gradient(conn, area, force):
    """Crime, serious violence, domestic abuse and harm per 1,000 residents by IMD 2019 decile, with
    each decile's rate against the least deprived decile's."""
    level, name = _level(area)
    rows = fetch(conn, f"select source, measure, financial_year, months_covered, imd_decile, lsoas, count, population, "
                       f"rate_per_1000, rate_lower, rate_upper, rate_ratio, rate_ratio_lower, rate_ratio_upper, suppressed "
                       f"from mart_deprivation_gradient where {FORCE_AREA} and imd_decile is not null and financial_year = "
                       f"(select max(financial_year) from mart_deprivation_gradient where force = :force) "
                       f"order by source, measure, imd_decile", level=level, name=name, force=force)
    street = [r for r in rows if r["source"] == "police_uk" and r["measure"] == "crime"]
    fig = Figure("deprivation", "Place", "Crime and deprivation: rates by IMD 2019 decile", "mart_deprivation_gradient",
                 years_window(rows), rows,
                  note="Deciles of England's LSOAs on the Index of Multiple Deprivation 2019 (1 = most deprived). Each "
                       "source on its own rows, never added together. Rates annualised over a part year; Garwood "
                       "(counts) or Fay and Feuer (harm) intervals; rate_ratio against decile 10 with its interval. "
                       "A decile of 1-4 crimes is suppressed, with complements.")
    if not street:
        return fig
    deciles = [(f"{r['imd_decile']}{' (most deprived)' if r['imd_decile'] == 1 else ' (least deprived)' if r['imd_decile'] == 10 else ''}",
                r["rate_per_1000"]) for r in street]
    chart = charts.bars(deciles, "Crime per 1,000 residents by deprivation decile",
                        [f"{years_window(street)}, annualised; data.police.uk; IMD 2019 deciles of England's LSOAs"],
                        "crimes per 1,000 residents")
    return drawn(fig, chart, "Bar chart of data.police.uk crime per 1,000 residents by IMD 2019 decile, most deprived first: "
                 + said([(f"decile {d}", v) for d, v in deciles], ",.1f"))


def outcomes_figure(conn, area, force):
    """The outcome groups' shares of all crime, and the charged or summonsed share of each crime type."""
    level, name = _level(area)
    rows = fetch(conn, f"select financial_year, months_covered, outcomes_as_of, crime_type, outcome_group, crimes, "
                       f"cell_crimes, share, share_lower, share_upper from mart_outcomes where {FORCE_AREA} "
                       f"and months_since_offence = 'all' and (crime_type = 'All crime' or outcome_group = 'charged or summonsed') "
                       f"and financial_year = (select max(financial_year) from mart_outcomes where force = :force) "
                       f"order by crime_type = 'All crime' desc, group_order, share desc", level=level, name=name, force=force)
    charged = [r for r in rows if r["outcome_group"] == "charged or summonsed" and r["crime_type"] != "All crime"]
    fig = Figure("outcomes", "Outcomes", "Investigation outcomes (data.police.uk)", "mart_outcomes", years_window(rows), rows,
                 note="Each crime's latest outcome as published by outcomes_as_of, grouped by ref_outcome_groups. "
                      "Recent crimes are more often still open: compare years only within one band of months "
                      "since the offence (mart_outcomes.months_since_offence). Wilson 95% intervals.")
    if not charged:
        return fig
    as_of = f"outcomes as of {charged[0]['outcomes_as_of']:%B %Y}"
    chart = charts.bars([(r["crime_type"], r["share"]) for r in charged], "Share of crimes charged or summonsed, by crime type",
                        [f"{years_window(rows)}; {as_of}; data.police.uk"], "share charged or summonsed", percent=True)
    return drawn(fig, chart, f"Bar chart of the share of each crime type charged or summonsed, {as_of}: "
                 + said([(r["crime_type"], r["share"]) for r in charged], ".1%"))


def said(values: list[tuple[str, float | None]], spec: str) -> str:
    """A chart's values as its text alternative reads them: 'Blackpool 21.1%; Fylde suppressed.'"""
    return "; ".join(f"{label} {'suppressed' if value is None else format(value, spec)}" for label, value in values) + "."


def drawn(fig: Figure, chart, alternative: str) -> Figure:
    """The figure with its map drawn: the SVG inline (with its text alternative) and as files beside the page."""
    svg_text, png = charts.render(chart)
    fig.chart = charts.accessible_svg(svg_text, alternative)
    fig.files = {"svg": svg_text.encode("utf-8"), "png": png}
    return fig


def district_map(conn, area, force):
    """The county's districts shaded by crime per 1,000 residents (police.uk, the latest year), with the rates."""
    rows = fetch(conn, "select financial_year, months_covered, area_code, area_name, located_count, population, "
                       "rate_per_1000, rate_lower, rate_upper, rank from mart_area_rates where force = :force "
                       "and source = 'police_uk' and measure = 'all_crime' and area_level = 'authority' "
                       "and area_code <> 'unallocated' and financial_year = (select max(financial_year) from "
                       "mart_area_rates where source = 'police_uk' and force = :force) order by rank", force=force)
    window = f"financial year {rows[0]['financial_year']}{annualised(rows[0]['months_covered'])}" if rows else "no data"
    fig = Figure("map-districts", "Map", "Crime per 1,000 residents by district", "mart_area_rates", window, rows,
                 note="data.police.uk street crime located in the district, annualised over a part year, per ONS "
                      "mid-year resident; districts shaded in five classes of equal numbers of districts.")
    if not rows:
        return fig
    shapes = maps.boundaries(conn, "boundary_lad22", [r["area_code"] for r in rows])
    areas = [maps.Area(r["area_code"], r["area_name"], r["rate_per_1000"]) for r in rows]
    chart = maps.choropleth(areas, shapes, "Crime per 1,000 residents by district", [f"{window}; data.police.uk"],
                            "Crimes per 1,000", "crimes per 1,000 residents")
    return drawn(fig, chart, f"Map of {len(areas)} districts shaded by crimes per 1,000 residents, {window}; "
                             "the table below gives each district's rate.")


def lsoa_map(conn, area, force):
    """The area's LSOAs shaded by crime per 1,000 residents (police.uk, the latest year), its persistent
    crime hotspots outlined and named in the table beside the map."""
    _, name = _level(area)
    in_area = ("lsoa_code in (select lsoa_code from dim_geography where force = :force "
               "and (cast(:name as text) is null or authority_name = :name))")
    lsoas = fetch(conn, f"select area_code, area_name, financial_year, months_covered, rate_per_1000, suppressed, "
                        f"is_persistent_hotspot from mart_ward_crime where force = :force and area_level = 'lsoa' "
                        f"and measure = 'crime' and {in_area.replace('lsoa_code in', 'area_code in')} and financial_year = "
                        f"(select max(financial_year) from mart_ward_crime where force = :force)", force=force, name=name)
    rows = fetch(conn, f"select area_name as authority, lsoa_code, lsoa_name, ward_name, count, rate_per_1000, rate_lower, "
                       f"rate_upper, imd_decile, imd_score, months_in_top_decile, months_in_window, window_start, window_end, "
                       f"suppressed from mart_persistent_hotspots where force = :force and measure = 'crime' and {in_area} "
                       f"order by count desc", force=force, name=name)
    window = f"financial year {lsoas[0]['financial_year']}{annualised(lsoas[0]['months_covered'])}" if lsoas else "no data"
    place = name or scalar(conn, "select min(force_area_name) from dim_geography where force = :force", force=force)
    fig = Figure("map-lsoas", "Map", f"Crime per 1,000 residents by LSOA in {place}, persistent hotspots outlined",
                 "mart_persistent_hotspots", window, rows,
                 note="Shading: mart_ward_crime, data.police.uk crime per ONS mid-year resident of each LSOA, annualised, "
                      "in five classes of equal numbers of LSOAs; an LSOA of 1-4 crimes, or hidden beside one, is "
                      "shown as suppressed. Outlined and listed: persistent hotspots, in the authority's top decile of "
                      "LSOAs for crime in at least three quarters of the newest 12 months held (9 of 12).")
    if not lsoas:
        return fig
    fig.empty = f"No LSOA of {place} is a persistent crime hotspot."
    shapes = maps.boundaries(conn, "boundary_lsoa11", [r["area_code"] for r in lsoas])
    areas = [maps.Area(r["area_code"], r["area_name"], r["rate_per_1000"], bool(r["suppressed"]),
                       bool(r["is_persistent_hotspot"])) for r in lsoas]
    chart = maps.choropleth(areas, shapes, f"Crime per 1,000 residents by LSOA: {place}", [f"{window}; data.police.uk"],
                            "Crimes per 1,000", "crimes per 1,000 residents", outline_label="persistent crime hotspot")
    hidden = sum(a.suppressed for a in areas)
    return drawn(fig, chart, f"Map of {place}'s {len(areas)} LSOAs shaded by crimes per 1,000 residents, {window}; "
                             f"{sum(a.outlined for a in areas)} persistent hotspots outlined, listed in the table below; "
                             f"{hidden} LSOA{'s' if hidden != 1 else ''} suppressed.")


COUNTY_FIGURES = [trend, volume_harm, rates, lambda c, a, f: rates(c, a, f, "serious_violence", "force_extract"), domestic_abuse,
                  hate_crime, victim_profile, reoffending_rate, reoffender_profile, reoffence_mix, community_issues,
                  young_persons, deprivation_gradient, outcomes_figure, district_map, lsoa_map]
PROFILE_FIGURES = [f for f in COUNTY_FIGURES if f is not district_map]  # the threat ranking is on the methods page


def lineage(conn: sa.Connection, mart_feeds: list[str]) -> list[dict]:
    """The files (name, hash) and runs behind a mart's feeds, as the load log records them."""
    tables = [t for feed in mart_feeds for t in FEED_FACTS.get(feed, [])]
    if not tables:
        return []
    union = " union ".join(f"select distinct load_id from {t}" for t in tables)
    return fetch(conn, f"select distinct l.source_name, l.source_root, l.source_sha256, l.run_id from ({union}) f "
                       "join etl_load_log l using (load_id) order by l.source_name, l.run_id")
