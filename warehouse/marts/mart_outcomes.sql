-- mart_outcomes: the share of crimes in each outcome group (charged or summonsed, other action, no
-- suspect identified, unable to prosecute, under investigation, status unavailable) by crime type,
-- area (county, BCU, authority and remainder) and financial year, from the last outcome
-- category of data.police.uk street rows, grouped by ref_outcome_groups.
-- grain: force, area_level, area_code, financial_year, crime_type, months_since_offence, outcome_group
-- feeds: police_uk_street, reference
-- Counting rule: a crime is one Crime ID per force per month, with its first row's outcome; ASB
-- has no outcome and is left out. crime_type 'All crime' is every type together. An outcome the
-- grouping does not list is in 'not grouped' (the raw suite warns of it), so every cell's groups
-- add up to its crimes and the shares to 100%.
-- Recency: police.uk gives each crime's latest outcome, and recent crimes are more often still
-- open. outcomes_as_of is the force's newest month held; months_since_offence bands the crimes
-- by how many months before it they were recorded ('0-2', '3-5', '6-11', '12-23', '24+'), and 'all'
-- is every band. Compare like with like: areas and crime types of one year share their months;
-- years, only within one band. share_lower/share_upper: Wilson 95% interval. Counts are of county,
-- BCU and authority areas, which police.uk publishes crime by crime: no suppression applies.
with

as_of as (
    select force, max(month) as outcomes_as_of
    from fact_street_crime
    group by force
),

coverage as (
    select * from street_years
),

crimes as (
    select s.force, s.area_level, s.area_code, s.area_name, s.fy_start, s.crime_type, s.crimes,
           coalesce(g.outcome_group, 'not grouped') as outcome_group,
           (extract(year from o.outcomes_as_of) * 12 + extract(month from o.outcomes_as_of))
         - (extract(year from s.month) * 12 + extract(month from s.month)) as age
    from street_crime_areas s
    join as_of o on o.force = s.force
    left join ref_outcome_groups g on g.last_outcome_category = s.last_outcome_category
    where not s.is_asb
),

banded as (
    select crimes.*,
           case when age < 3 then '0-2' when age < 6 then '3-5' when age < 12 then '6-11'
                when age < 24 then '12-23' else '24+' end as months_since_offence
    from crimes
),

detail as (
    select force, area_level, area_code, area_name, fy_start, crime_type, months_since_offence, outcome_group,
           cast(sum(crimes) as bigint) as crimes
    from banded
    group by force, area_level, area_code, area_name, fy_start, crime_type, months_since_offence, outcome_group
),

-- each cell in its type and in 'All crime', in its band and in 'all': rolled up from the counts,
-- not from the crimes, so the national archive is grouped once
counts as (
    select * from detail
    union all
    select force, area_level, area_code, area_name, fy_start, 'All crime', months_since_offence, outcome_group, sum(crimes)
    from detail
    group by force, area_level, area_code, area_name, fy_start, months_since_offence, outcome_group
    union all
    select force, area_level, area_code, area_name, fy_start, crime_type, 'all', outcome_group, sum(crimes)
    from detail
    group by force, area_level, area_code, area_name, fy_start, crime_type, outcome_group
    union all
    select force, area_level, area_code, area_name, fy_start, 'All crime', 'all', outcome_group, sum(crimes)
    from detail
    group by force, area_level, area_code, area_name, fy_start, outcome_group
),

cell_totals as (
    select force, area_level, area_code, area_name, fy_start, crime_type, months_since_offence,
           sum(crimes) as cell_crimes
    from counts
    group by force, area_level, area_code, area_name, fy_start, crime_type, months_since_offence
),

groups as (
    select distinct outcome_group, group_order from ref_outcome_groups
    union all
    select 'not grouped', 99 from counts where outcome_group = 'not grouped' group by outcome_group
),

final as (
    select
        t.force, t.area_level, t.area_code, t.area_name, csp_financial_year(t.fy_start) as financial_year,
        t.fy_start as financial_year_start, v.months_covered, v.months_covered < 12 as is_part_year,
        o.outcomes_as_of, t.months_since_offence, t.crime_type, g.outcome_group, g.group_order,
        cast(coalesce(c.crimes, 0) as bigint) as crimes,
        cast(t.cell_crimes as bigint) as cell_crimes,
        cast(coalesce(c.crimes, 0) as float8) / t.cell_crimes as share,
        cast(null as float8) as share_lower,
        cast(null as float8) as share_upper
    from cell_totals t
    cross join groups g
    join as_of o on o.force = t.force
    join coverage v on v.force = t.force and v.fy_start = t.fy_start
    left join counts c
        on c.force = t.force and c.area_level = t.area_level and c.area_code = t.area_code and c.fy_start = t.fy_start
       and c.crime_type = t.crime_type and c.months_since_offence = t.months_since_offence
       and c.outcome_group = g.outcome_group
)

select * from final
