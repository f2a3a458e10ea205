-- mart_crime_trend (E1): recorded crime and ASB by area, financial year and category, with the
-- previous year's count and the change; police.uk by its 14 types, the force extract by HO
-- offence group ('Unclassified' where the code is not in the classification), the Home Office
-- CSP tables by their published offence group (summed counts, negative corrections included).
-- grain: one row per source, force, area_level, area_code, financial_year, crime_type
-- feeds: police_uk_street, recorded_crime, ho_csp, reference
-- County = every row the force published; BCU and authority = rows whose LSOA lies in them,
-- so unlocated and out-of-area rows count for the county only. A year with months missing
-- says so in months_covered; zero means no rows in a year that has data.
with

csp_forces as (
    select distinct csp_code, force, force_area_code, force_area_name from dim_geography where csp_code is not null
),

ho_tables as (
    select h.*, g.force, g.force_area_code, g.force_area_name, cast(left(h.financial_year, 4) as integer) as year_start
    from fact_ho_csp_crime h
    join csp_forces g on g.csp_code = h.csp_code
),

-- n: crimes a row stands for; span: months a row's period covers (a month, a quarter, a year)
crimes as (
    select 'police_uk' as source, 'police_uk_type' as classification, force, force_area_code,
           force_area_name, month, 1 as span, crime_type, out_of_area, authority_code, authority_name, bcu,
           1 as n
    from fact_street_crime
    union all
    select 'force_extract', 'offence_group', force, force_area_code, force_area_name, month, 1,
           coalesce(offence_group, 'Unclassified'), out_of_area, authority_code, authority_name, bcu, 1
    from fact_recorded_crime
    union all
    select 'ho_csp', 'offence_group', force, force_area_code, force_area_name,
           case financial_quarter when 2 then make_date(year_start, 7, 1) when 3 then make_date(year_start, 10, 1)
                                  when 4 then make_date(year_start + 1, 1, 1) else make_date(year_start, 4, 1) end,
           case when financial_quarter is null then 12 else 3 end,
           coalesce(offence_group, 'Unclassified'), false, authority_code, authority_name, bcu, offences
    from ho_tables
),

dated as (
    select
        crimes.*,
        case when extract(month from month) >= 4
             then cast(extract(year from month) as integer)
             else cast(extract(year from month) as integer) - 1
        end as fy_start
    from crimes
),

area_rows as (
    select source, 'county' as area_level, force_area_code as area_code, force_area_name as area_name,
           force, fy_start, crime_type, n
    from dated
    union all
    select source, 'bcu', bcu, bcu, force, fy_start, crime_type, n
    from dated
    where not out_of_area and bcu is not null
    union all
    select source, 'authority', authority_code, authority_name, force, fy_start, crime_type, n
    from dated
    where not out_of_area and authority_code is not null
),

coverage as (
    select source, force, fy_start, least(count(distinct month) * max(span), 12) as months_covered
    from dated
    group by source, force, fy_start
),

areas as (
    select distinct source, area_level, area_code, area_name, force from area_rows
),

crime_types as (
    select distinct source, classification, crime_type from dated
),

counts as (
    select source, force, area_level, area_code, fy_start, crime_type, cast(sum(n) as bigint) as crimes
    from area_rows
    group by source, force, area_level, area_code, fy_start, crime_type
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

final as (
    select
        cur.source,
        cur.classification,
        cur.force,
        cur.area_level,
        cur.area_code,
        cur.area_name,
        cast(cur.fy_start as text) || '/' || right(cast(cur.fy_start + 1 as text), 2) as financial_year,
        cur.fy_start as financial_year_start,
        cur.months_covered,
        cur.crime_type,
        cur.crimes,
        prev.crimes as previous_year_crimes,
        prev.months_covered as previous_months_covered,
        cur.crimes - prev.crimes as change,
        case when prev.crimes > 0
             then cast(cur.crimes - prev.crimes as float8) / prev.crimes
        end as change_ratio
    from filled cur
    left join filled prev
        on prev.source = cur.source and prev.force = cur.force and prev.area_level = cur.area_level
       and prev.area_code = cur.area_code and prev.crime_type = cur.crime_type
       and prev.fy_start = cur.fy_start - 1
)

select * from final
