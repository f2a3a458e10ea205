-- mart_reporting_lag: how long after the offence the force recorded it (recorded_date - offence_date),
-- by area, financial year of recording and offence category, in bands; the share of historic
-- reports (recorded a year or more after the offence) is the assessment's "fewer historic reports".
-- grain: force, area_level, area_code, financial_year, category_type, category, lag_band
-- feeds: recorded_crime
-- category_type: 'all' ('All offences'), 'offence_group' or 'offence_subgroup' (Rape among them).
-- lag_band: 'Under 1 month' (0-30 days), '1-12 months' (31-364 days), '1-5 years' (365-1,824
-- days), '5 years or more' (1,825 days and over), 'Unknown' (no offence date; an offence date after
-- the recorded date is quarantined by the raw suite). share: of the category's crimes in the area
-- and year (Wilson 95% interval). median_lag_days: of the category's crimes with an offence date.
-- Crimes are counted by the force extract's counting rule; areas: county, authority and the remainder.
with

crimes as (
    select force, area_level, area_code, area_name, fy_start, month, offence_group, offence_subgroup,
           recorded_date - offence_date as lag_days
    from recorded_crime_areas
    where area_level in ('county', 'authority')
),

categorised as (
    select force, area_level, area_code, area_name, fy_start, month, 'all' as category_type, 'All offences' as category, lag_days
    from crimes
    union all
    select force, area_level, area_code, area_name, fy_start, month, 'offence_group', coalesce(offence_group, 'Unclassified'), lag_days
    from crimes
    union all
    select force, area_level, area_code, area_name, fy_start, month, 'offence_subgroup', coalesce(offence_subgroup, 'Unclassified'),
           lag_days
    from crimes
),

banded as (
    select categorised.*,
           case when lag_days is null then 'Unknown'
                when lag_days < 31 then 'Under 1 month'
                when lag_days < 365 then '1-12 months'
                when lag_days < 1825 then '1-5 years'
                else '5 years or more' end as lag_band
    from categorised
),

coverage as (
    select distinct force, fy_start, months_covered from recorded_crime_calendar
),

bands as (
    select * from (values ('Under 1 month', 1), ('1-12 months', 2), ('1-5 years', 3), ('5 years or more', 4), ('Unknown', 5))
        as b (lag_band, band_order)
),

categories as (
    select distinct force, area_level, area_code, area_name, fy_start, category_type, category from banded
),

totals as (
    select force, area_level, area_code, fy_start, category_type, category, count(*) as crimes,
           percentile_cont(0.5) within group (order by lag_days) as median_lag_days
    from banded
    group by force, area_level, area_code, fy_start, category_type, category
),

counts as (
    select force, area_level, area_code, fy_start, category_type, category, lag_band, count(*) as crimes
    from banded
    group by force, area_level, area_code, fy_start, category_type, category, lag_band
),

final as (
    select
        c.force, c.area_level, c.area_code, c.area_name,
        csp_financial_year(c.fy_start) as financial_year,
        c.fy_start as financial_year_start, v.months_covered, v.months_covered < 12 as is_part_year,
        c.category_type, c.category, b.lag_band, b.band_order,
        cast(coalesce(n.crimes, 0) as bigint) as crimes,
        cast(t.crimes as bigint) as category_crimes,
        cast(coalesce(n.crimes, 0) as float8) / t.crimes as share,
        cast(null as float8) as share_lower,
        cast(null as float8) as share_upper,
        cast(t.median_lag_days as float8) as median_lag_days
    from categories c
    cross join bands b
    join coverage v on v.force = c.force and v.fy_start = c.fy_start
    join totals t
        on t.force = c.force and t.area_level = c.area_level and t.area_code = c.area_code and t.fy_start = c.fy_start
       and t.category_type = c.category_type and t.category = c.category
    left join counts n
        on n.force = c.force and n.area_level = c.area_level and n.area_code = c.area_code and n.fy_start = c.fy_start
       and n.category_type = c.category_type and n.category = c.category and n.lag_band = b.lag_band
)

select * from final
