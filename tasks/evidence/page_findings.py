"""A page's key findings: each rule of `findings` given the rows it needs, read from the marts for
one area (the county, or an authority beside the county)."""

from __future__ import annotations

import sqlalchemy as sa

from tasks.evidence import findings as rules
from tasks.evidence.figures import AREA, FORCE_AREA, _level, fetch, scalar

SOURCE_PREFERENCE = ("force_extract", "ho_csp", "police_uk")  # the richest source first
COMPARABLE_TOTALS = (
    "select source, financial_year, csp_financial_year(financial_year_start - 1) as previous_year, max(change_basis) as "
    "change_basis, max(months_covered) as months_covered, sum(crimes_comparable) as crimes_comparable, "
    "sum(previous_crimes_comparable) as previous_crimes_comparable, max(population) as population, "
    "max(previous_population) as previous_population from mart_crime_trend where {where} and source = :source "
    "and crime_type <> 'Anti-social behaviour' and comparable_months is not null and financial_year = "
    "(select max(financial_year) from mart_crime_trend where force = :force and source = :source and comparable_months is not null) "
    "group by source, financial_year, financial_year_start")


def crime_changes(conn: sa.Connection, area: str | None, force: str) -> list[rules.Finding]:
    """The change in all crime and the largest changes by type, for each source with comparable years."""
    level, name = _level(area)
    found, held = [], []
    for source in SOURCE_PREFERENCE:
        if not scalar(conn, "select count(*) from mart_crime_trend where force = :force and source = :source",
                      force=force, source=source):
            continue
        held.append(source)
        total = fetch(conn, COMPARABLE_TOTALS.format(where=FORCE_AREA), level=level, name=name, force=force, source=source)
        if not total:
            continue
        county = fetch(conn, COMPARABLE_TOTALS.format(where=FORCE_AREA), level="county", name=None, force=force,
                       source=source) if area else []
        found += rules.crime_change(total[0], county[0] if county else None, source, area or county_name(conn, force))
        types = fetch(conn, f"select crime_type, financial_year, change, change_basis, previous_crimes_comparable, "
                            f"population, previous_population, change_significant from mart_crime_trend where {FORCE_AREA} and source = :source "
                            f"and financial_year = :year", level=level, name=name, force=force, source=source,
                      year=total[0]["financial_year"])
        found += rules.category_changes(types, source)
    if held and not found:
        found += rules.crime_change(None, None, held[0], area or county_name(conn, force))
    return found


def county_name(conn: sa.Connection, force: str) -> str:
    """The force area's name (Lancashire)."""
    return scalar(conn, "select min(force_area_name) from dim_geography where force = :force", force=force) or force


def for_page(conn: sa.Connection, area: str | None, force: str) -> list[rules.Finding]:
    """Every rule's findings for the page, ranked."""
    level, name = _level(area)
    place = area or county_name(conn, force)
    found = crime_changes(conn, area, force)
    source = scalar(conn, "select min(source) from mart_crime_volume_harm where force = :force "
                          "and source in ('force_extract', 'police_uk')", force=force)
    found += rules.volume_against_harm(fetch(
        conn, f"select category, financial_year, volume_share, harm_share from mart_crime_volume_harm where {FORCE_AREA} "
              "and source = :source and financial_year = (select max(financial_year) from mart_crime_volume_harm "
              "where force = :force and source = :source)", level=level, name=name, force=force, source=source), source)
    found += rules.rate_position(fetch(
        conn, "select area_level, area_name, financial_year, months_covered, rate_per_1000, rate_lower, rate_upper, rank "
              "from mart_area_rates where force = :force and source = 'police_uk' and measure = 'all_crime' "
              "and area_level in ('county', 'authority') and financial_year = (select max(financial_year) "
              "from mart_area_rates where force = :force and source = 'police_uk')", force=force), area)
    abuse = fetch(conn, "select area_level, area_name, financial_year, domestic_abuse_share, domestic_abuse_share_lower, "
                        "domestic_abuse_share_upper, alcohol_share from mart_domestic_abuse where force = :force "
                        "and area_level in ('county', 'authority') and financial_year = (select max(financial_year) "
                        "from mart_domestic_abuse where force = :force)", force=force)
    county_row = next((r for r in abuse if r["area_level"] == "county"), None)
    found += rules.domestic_abuse(next((r for r in abuse if r["area_name"] == area), None) if area else county_row,
                                  county_row, place)
    found += rules.concentration(fetch(
        conn, f"select measure, top_percent, financial_year, lsoas, area_lsoas, share, share_lower, share_upper, "
              f"lsoas_holding_half from mart_lsoa_concentration where {FORCE_AREA} and financial_year = "
              f"(select max(financial_year) from mart_lsoa_concentration where force = :force)",
        level=level, name=name, force=force), place)
    gradient = fetch(conn, f"select source, measure, financial_year, imd_decile, rate_per_1000, rate_ratio, rate_ratio_lower, "
                           f"rate_ratio_upper from mart_deprivation_gradient where {FORCE_AREA} and financial_year = "
                           f"(select max(financial_year) from mart_deprivation_gradient where force = :force)",
                     level=level, name=name, force=force)
    found += rules.deprivation(gradient, place, "crime", "crime", "police_uk")
    found += rules.deprivation(gradient, place, "domestic_abuse", "domestic abuse", "force_extract")
    for crime_type in ("Violence and sexual offences",):
        found += rules.outcomes(next(iter(fetch(
            conn, f"select financial_year, months_covered, outcomes_as_of, cell_crimes, share, share_lower, share_upper "
                  f"from mart_outcomes where {FORCE_AREA} and crime_type = :type and months_since_offence = 'all' "
                  f"and outcome_group = 'charged or summonsed' order by financial_year desc",
            level=level, name=name, force=force, type=crime_type)), None), crime_type)
    in_area = "(cast(:name as text) is null or area_name = :name)"
    found += rules.hotspots(fetch(
        conn, f"select lsoa_name, count, months_required, months_in_window, window_start, window_end "
              f"from mart_persistent_hotspots where force = :force and measure = 'crime' and {in_area} "
              f"order by count desc nulls last", force=force, name=name), place)
    found += people_findings(conn, area, force, place)
    return rules.ranked(found)


def people_findings(conn: sa.Connection, area: str | None, force: str, place: str) -> list[rules.Finding]:
    """Reoffending, community concerns and young people's behaviour, for the page's area."""
    level, name = _level(area)
    own = ("area_level = 'authority' and area_name = :name" if area else "area_level = 'force_area' and area_code in "
           "(select force_area_code from dim_geography where force = :force)")
    found = rules.reoffending(fetch(
        conn, "select area_level, period_start, offenders, reoffenders, proportion_reoffending, proportion_lower, "
              f"proportion_upper from mart_reoffending_rate where adult_juvenile = 'All' and period_type = 'annual' "
              f"and (area_level = 'national' or ({own}))", name=name, force=force), place)
    found += rules.community_concerns(fetch(
        conn, "select a.rank, a.issue_category, a.total_responses, a.share, a.share_lower, a.share_upper, a.period_start, "
              "a.period_end, c.share as county_share, c.share_lower as county_share_lower, c.share_upper as county_share_upper "
              "from mart_community_issues a join mart_community_issues c on c.area_level = 'county' and c.row_type = 'category' "
              "and c.issue_category = a.issue_category where a.row_type = 'category' and a.area_level = :level "
              "and (cast(:name as text) is null or a.area_name = :name)", level=level, name=name), place, area is None)
    found += rules.young_people(fetch(
        conn, "select wave, indicator, value, value_lower, value_upper, previous_wave_value, change, change_p_value, "
              f"change_significant from mart_young_persons_indicators where gender = 'All' and {AREA} "
              "and wave = (select max(wave) from mart_young_persons_indicators)", level=level, name=name), place)
    return found
