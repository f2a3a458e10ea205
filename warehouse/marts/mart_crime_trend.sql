-- mart_crime_trend (E1): recorded crime and ASB by area, financial year and category, with the
-- change from the previous year compared like for like; police.uk by its 14 types, the force
-- extract by HO offence group ('Unclassified' where the code is not in the classification), the
-- Home Office CSP tables by their published offence group.
-- grain: source, force, area_level, area_code, financial_year, crime_type
-- feeds: police_uk_street, recorded_crime, ho_csp, reference
-- Counting rules (one per source, see the shared models): police.uk one Crime ID per force per
-- month, ASB rows as rows; the force extract one crime reference; the HO tables their published
-- figure. Areas: the county, its BCUs and authorities, and at each level a remainder row
-- (area_code 'unallocated') for crimes without a location or outside the force area, so the
-- parts add up to the county. months_covered: months of the year with data (12 = full year).
-- Change is like for like: crimes_comparable and previous_crimes_comparable count only the
-- months both years have (comparable_months, named in change_basis); change_p_value is the
-- two-sided conditional test of the two Poisson counts with the area's residents of each year as
-- exposure (counts compared as they stand where the area has no population, as the remainder).
with

crimes as (
    select 'police_uk' as source, 'police_uk_type' as classification, force, area_level, area_code, area_name,
           fy_start, month, 1 as span, crime_type, crimes as n
    from street_crime_areas
    union all
    select 'force_extract', 'offence_group', force, area_level, area_code, area_name,
           fy_start, month, 1, coalesce(offence_group, 'Unclassified'), 1
    from recorded_crime_areas
    union all
    select 'ho_csp', 'offence_group', force, area_level, area_code, area_name,
           fy_start, month, span, coalesce(offence_group, 'Unclassified'), offences
    from ho_csp_areas
),

periods as (
    select distinct source, force, fy_start, month, span from crimes
),

coverage as (
    select source, force, fy_start, least(cast(sum(span) as integer), 12) as months_covered
    from periods
    group by source, force, fy_start
),

month_names as (
    select * from (values (1, 'Jan'), (2, 'Feb'), (3, 'Mar'), (4, 'Apr'), (5, 'May'), (6, 'Jun'), (7, 'Jul'),
                          (8, 'Aug'), (9, 'Sep'), (10, 'Oct'), (11, 'Nov'), (12, 'Dec')) as m (month_number, month_name)
),

-- a period both years hold: the same first month of the year and the same length
common_periods as (
    select cur.source, cur.force, cur.fy_start, cur.month as current_month, prev.month as previous_month, cur.span
    from periods cur
    join periods prev
        on prev.source = cur.source and prev.force = cur.force and prev.fy_start = cur.fy_start - 1
       and extract(month from prev.month) = extract(month from cur.month) and prev.span = cur.span
),

comparison as (
    select c.source, c.force, c.fy_start, least(cast(sum(c.span) as integer), 12) as comparable_months,
           string_agg(s.month_name || case when c.span > 1 then '-' || e.month_name else '' end, ', '
                      order by (cast(extract(month from c.current_month) as integer) + 8) % 12) as months_listed
    from common_periods c
    join month_names s on s.month_number = extract(month from c.current_month)
    join month_names e on e.month_number = (cast(extract(month from c.current_month) as integer) + c.span - 2) % 12 + 1
    group by c.source, c.force, c.fy_start
),

monthly as (
    select source, force, area_level, area_code, fy_start, month, crime_type, cast(sum(n) as bigint) as crimes
    from crimes
    group by source, force, area_level, area_code, fy_start, month, crime_type
),

comparable_counts as (
    select m.source, m.force, m.area_level, m.area_code, c.fy_start, m.crime_type,
           cast(sum(case when m.month = c.current_month then m.crimes else 0 end) as bigint) as crimes_comparable,
           cast(sum(case when m.month = c.previous_month then m.crimes else 0 end) as bigint) as previous_crimes_comparable
    from common_periods c
    join monthly m
        on m.source = c.source and m.force = c.force and m.fy_start in (c.fy_start, c.fy_start - 1)
       and m.month in (c.current_month, c.previous_month)
    group by m.source, m.force, m.area_level, m.area_code, c.fy_start, m.crime_type
),

counts as (
    select source, force, area_level, area_code, fy_start, crime_type, cast(sum(crimes) as bigint) as crimes
    from monthly
    group by source, force, area_level, area_code, fy_start, crime_type
),

-- every remainder row is stated, zero included
areas as (
    select distinct source, force, area_level, area_code, area_name from crimes
    union
    select distinct source, force, 'bcu', 'unallocated', 'Not allocated to a BCU' from crimes
    union
    select distinct source, force, 'authority', 'unallocated', 'Not allocated to an authority' from crimes
),

crime_types as (
    select distinct source, classification, crime_type from crimes
),

filled as (
    select a.source, t.classification, a.force, a.area_level, a.area_code, a.area_name, c.fy_start,
           c.months_covered, t.crime_type, coalesce(n.crimes, 0) as crimes
    from areas a
    join coverage c on c.source = a.source and c.force = a.force
    join crime_types t on t.source = a.source
    left join counts n
        on n.source = a.source and n.force = a.force and n.area_level = a.area_level
       and n.area_code = a.area_code and n.fy_start = c.fy_start and n.crime_type = t.crime_type
),

population as (
    select * from area_population
),

final as (
    select
        cur.source,
        cur.classification,
        cur.force,
        cur.area_level,
        cur.area_code,
        cur.area_name,
        csp_financial_year(cur.fy_start) as financial_year,
        cur.fy_start as financial_year_start,
        cur.months_covered,
        cur.months_covered < 12 as is_part_year,
        cur.crime_type,
        cur.crimes,
        prev.crimes as previous_year_crimes,
        prev.months_covered as previous_months_covered,
        k.comparable_months,
        case when k.comparable_months is null then null
             when k.comparable_months = 12 then 'full year'
             else k.months_listed || ' of both years' end as change_basis,
        case when k.comparable_months is not null then coalesce(n.crimes_comparable, 0) end as crimes_comparable,
        case when k.comparable_months is not null then coalesce(n.previous_crimes_comparable, 0) end as previous_crimes_comparable,
        case when k.comparable_months is not null
             then coalesce(n.crimes_comparable, 0) - coalesce(n.previous_crimes_comparable, 0) end as change,
        case when coalesce(n.previous_crimes_comparable, 0) > 0
             then cast(n.crimes_comparable - n.previous_crimes_comparable as float8) / n.previous_crimes_comparable
        end as change_ratio,
        pp.population as previous_population,
        cp.population as population,
        cast(null as float8) as change_p_value,
        cast(null as boolean) as change_significant
    from filled cur
    left join filled prev
        on prev.source = cur.source and prev.force = cur.force and prev.area_level = cur.area_level
       and prev.area_code = cur.area_code and prev.crime_type = cur.crime_type
       and prev.fy_start = cur.fy_start - 1
    left join comparison k on k.source = cur.source and k.force = cur.force and k.fy_start = cur.fy_start
    left join comparable_counts n
        on n.source = cur.source and n.force = cur.force and n.area_level = cur.area_level
       and n.area_code = cur.area_code and n.fy_start = cur.fy_start and n.crime_type = cur.crime_type
    left join population cp
        on cp.force = cur.force and cp.area_level = cur.area_level and cp.area_code = cur.area_code
       and cp.year = cur.fy_start
    left join population pp
        on pp.force = cur.force and pp.area_level = cur.area_level and pp.area_code = cur.area_code
       and pp.year = cur.fy_start - 1
)

select * from final
