-- mart_hate_crime (E5): hate crimes by strand, area and year, with the previous year. A crime
-- with two strands counts once under each strand and once under 'All strands'.
-- grain: one row per force, area_level, area_code, financial_year, strand
-- feeds: recorded_crime
with

strands as (
    select 'Race' as strand union all select 'Religion' union all select 'Sexual orientation'
    union all select 'Disability' union all select 'Transgender'
),

hate as (
    select
        force, force_area_code, force_area_name, month, out_of_area, authority_code, authority_name, bcu,
        ';' || hate_crime_strand || ';' as strand_list,
        case when extract(month from month) >= 4 then cast(extract(year from month) as integer)
             else cast(extract(year from month) as integer) - 1 end as fy_start
    from fact_recorded_crime
    where is_hate_crime
),

by_strand as (
    select h.*, s.strand from hate h join strands s on h.strand_list like '%;' || s.strand || ';%'
    union all
    select h.*, 'All strands' from hate h
),

area_rows as (
    select 'county' as area_level, force_area_code as area_code, force_area_name as area_name, force, fy_start, strand from by_strand
    union all
    select 'bcu', bcu, bcu, force, fy_start, strand from by_strand where not out_of_area and bcu is not null
    union all
    select 'authority', authority_code, authority_name, force, fy_start, strand from by_strand
    where not out_of_area and authority_code is not null
),

years as (
    select distinct force,
        case when extract(month from month) >= 4 then cast(extract(year from month) as integer)
             else cast(extract(year from month) as integer) - 1 end as fy_start
    from fact_recorded_crime
),

areas as (
    select distinct force, area_level, area_code, area_name from area_rows
),

all_strands as (
    select strand from strands union all select 'All strands'
),

counts as (
    select force, area_level, area_code, fy_start, strand, count(*) as crimes
    from area_rows
    group by force, area_level, area_code, fy_start, strand
),

filled as (
    select a.force, a.area_level, a.area_code, a.area_name, y.fy_start, s.strand, coalesce(c.crimes, 0) as crimes
    from areas a
    join years y on y.force = a.force
    cross join all_strands s
    left join counts c
        on c.force = a.force and c.area_level = a.area_level and c.area_code = a.area_code
       and c.fy_start = y.fy_start and c.strand = s.strand
),

final as (
    select
        cur.force, cur.area_level, cur.area_code, cur.area_name,
        cast(cur.fy_start as text) || '/' || right(cast(cur.fy_start + 1 as text), 2) as financial_year,
        cur.fy_start as financial_year_start, cur.strand, cur.crimes,
        prev.crimes as previous_year_crimes,
        cur.crimes - prev.crimes as change
    from filled cur
    left join filled prev
        on prev.force = cur.force and prev.area_level = cur.area_level and prev.area_code = cur.area_code
       and prev.strand = cur.strand and prev.fy_start = cur.fy_start - 1
)

select * from final
