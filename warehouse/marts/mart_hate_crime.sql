-- mart_hate_crime (E5): hate crimes by strand, area and year, with the change from the previous
-- year like for like. A crime with two strands counts once under each strand and once under
-- 'All strands'.
-- grain: force, area_level, area_code, financial_year, strand
-- feeds: recorded_crime, reference
-- Crimes are counted by the force extract's counting rule; areas include the remainder rows.
-- months_covered: months of the year the extract holds. The change compares only the months both
-- years hold (comparable_months, named in change_basis): crimes_comparable against
-- previous_crimes_comparable; change_p_value is the conditional test of two Poisson counts with
-- the area's residents of each year as exposure (counts compared as they stand where the area
-- has no population, as the remainder).
with

strands as (
    select 'Race' as strand union all select 'Religion' union all select 'Sexual orientation'
    union all select 'Disability' union all select 'Transgender'
),

hate as (
    select force, area_level, area_code, area_name, month, fy_start, ';' || hate_crime_strand || ';' as strand_list
    from recorded_crime_areas
    where is_hate_crime
),

by_strand as (
    select h.*, s.strand from hate h join strands s on h.strand_list like '%;' || s.strand || ';%'
    union all
    select h.*, 'All strands' from hate h
),

coverage as (
    select distinct force, fy_start, months_covered, comparable_months, change_basis from recorded_crime_calendar
),

all_strands as (
    select strand from strands union all select 'All strands'
),

monthly as (
    select force, area_level, area_code, fy_start, month, strand, count(*) as crimes
    from by_strand
    group by force, area_level, area_code, fy_start, month, strand
),

counts as (
    select force, area_level, area_code, fy_start, strand, sum(crimes) as crimes
    from monthly
    group by force, area_level, area_code, fy_start, strand
),

comparable_counts as (
    select m.force, m.area_level, m.area_code, c.fy_start, m.strand,
           sum(case when m.month = c.current_month then m.crimes else 0 end) as crimes_comparable,
           sum(case when m.month = c.previous_month then m.crimes else 0 end) as previous_crimes_comparable
    from (select force, fy_start, month as current_month, previous_month from recorded_crime_calendar
          where previous_month is not null) c
    join monthly m on m.force = c.force and m.month in (c.current_month, c.previous_month)
    group by m.force, m.area_level, m.area_code, c.fy_start, m.strand
),

filled as (
    select a.force, a.area_level, a.area_code, a.area_name, y.fy_start, y.months_covered, y.comparable_months,
           y.change_basis, s.strand,
           cast(coalesce(c.crimes, 0) as bigint) as crimes
    from recorded_crime_area_list a
    join coverage y on y.force = a.force
    cross join all_strands s
    left join counts c
        on c.force = a.force and c.area_level = a.area_level and c.area_code = a.area_code
       and c.fy_start = y.fy_start and c.strand = s.strand
),

final as (
    select
        cur.force, cur.area_level, cur.area_code, cur.area_name,
        csp_financial_year(cur.fy_start) as financial_year,
        cur.fy_start as financial_year_start, cur.months_covered, cur.months_covered < 12 as is_part_year,
        cur.strand, cur.crimes,
        prev.crimes as previous_year_crimes,
        prev.months_covered as previous_months_covered,
        cur.comparable_months,
        cur.change_basis,
        case when cur.comparable_months is not null then cast(coalesce(n.crimes_comparable, 0) as bigint) end as crimes_comparable,
        case when cur.comparable_months is not null
             then cast(coalesce(n.previous_crimes_comparable, 0) as bigint) end as previous_crimes_comparable,
        case when cur.comparable_months is not null
             then cast(coalesce(n.crimes_comparable, 0) - coalesce(n.previous_crimes_comparable, 0) as bigint) end as change,
        pp.population as previous_population,
        cp.population as population,
        cast(null as float8) as change_p_value,
        cast(null as boolean) as change_significant
    from filled cur
    left join filled prev
        on prev.force = cur.force and prev.area_level = cur.area_level and prev.area_code = cur.area_code
       and prev.strand = cur.strand and prev.fy_start = cur.fy_start - 1
    left join comparable_counts n
        on n.force = cur.force and n.area_level = cur.area_level and n.area_code = cur.area_code
       and n.fy_start = cur.fy_start and n.strand = cur.strand
    left join area_population cp
        on cp.force = cur.force and cp.area_level = cur.area_level and cp.area_code = cur.area_code
       and cp.year = cur.fy_start
    left join area_population pp
        on pp.force = cur.force and pp.area_level = cur.area_level and pp.area_code = cur.area_code
       and pp.year = cur.fy_start - 1
)

select * from final
