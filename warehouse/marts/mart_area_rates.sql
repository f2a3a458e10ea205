-- mart_area_rates (E3): crime, ASB, serious violence (force extract, by the configured rules)
-- and each category per 1,000 residents by area and financial year, ranked within source,
-- area level, year and measure (1 = highest rate).
-- grain: one row per source, force, area_level, area_code, financial_year, measure
-- depends_on: mart_crime_trend
-- feeds: reference, recorded_crime
-- The denominator is the ONS mid-year estimate of the year the financial year starts in,
-- summed over the area's LSOAs; if any LSOA of the area lacks that year's estimate the
-- population and rate are null, never a guess. months_covered < 12 marks a partial year.
with

trend as (
    select * from mart_crime_trend
),

population as (
    select * from ref_population
),

geography as (
    select * from dim_geography where force is not null
),

area_lsoas as (
    select force, 'county' as area_level, force_area_code as area_code, lsoa_code from geography
    union all
    select force, 'bcu', bcu, lsoa_code from geography where bcu is not null
    union all
    select force, 'authority', authority_code, lsoa_code from geography
),

area_population as (
    select a.force, a.area_level, a.area_code, y.year,
           case when count(p.population) = count(*) then cast(sum(p.population) as bigint) end as population
    from area_lsoas a
    cross join (select distinct year from population) y
    left join population p on p.lsoa_code = a.lsoa_code and p.year = y.year
    group by a.force, a.area_level, a.area_code, y.year
),

serious_violence as (
    select
        force, 'county' as area_level, force_area_code as area_code,
        case when extract(month from month) >= 4 then cast(extract(year from month) as integer)
             else cast(extract(year from month) as integer) - 1 end as fy_start,
        out_of_area, authority_code, bcu
    from fact_recorded_crime
    where is_serious_violence
),

serious_violence_counts as (
    select force, area_level, area_code, fy_start, count(*) as crimes from (
        select force, area_level, area_code, fy_start from serious_violence
        union all
        select force, 'bcu', bcu, fy_start from serious_violence where not out_of_area and bcu is not null
        union all
        select force, 'authority', authority_code, fy_start from serious_violence where not out_of_area and authority_code is not null
    ) sv
    group by force, area_level, area_code, fy_start
),

extract_areas as (
    select distinct source, force, area_level, area_code, area_name, financial_year, financial_year_start, months_covered
    from trend
    where source = 'force_extract'
),

measures as (
    select a.source, a.force, a.area_level, a.area_code, a.area_name, a.financial_year, a.financial_year_start,
           a.months_covered, 'serious_violence' as measure, coalesce(c.crimes, 0) as crimes
    from extract_areas a
    left join serious_violence_counts c
        on c.force = a.force and c.area_level = a.area_level and c.area_code = a.area_code
       and c.fy_start = a.financial_year_start
    union all
    select source, force, area_level, area_code, area_name, financial_year, financial_year_start,
           months_covered, 'all_crime', cast(sum(crimes) as bigint)
    from trend
    where crime_type <> 'Anti-social behaviour'
    group by source, force, area_level, area_code, area_name, financial_year, financial_year_start, months_covered
    union all
    select source, force, area_level, area_code, area_name, financial_year, financial_year_start,
           months_covered, 'asb', crimes
    from trend
    where crime_type = 'Anti-social behaviour'
    union all
    select source, force, area_level, area_code, area_name, financial_year, financial_year_start,
           months_covered, crime_type, crimes
    from trend
    where crime_type <> 'Anti-social behaviour'
),

rated as (
    select
        m.*,
        p.population,
        case when p.population > 0 then cast(m.crimes as float8) * 1000 / p.population end as rate_per_1000
    from measures m
    left join area_population p
        on p.force = m.force and p.area_level = m.area_level and p.area_code = m.area_code
       and p.year = m.financial_year_start
),

final as (
    select
        source, force, area_level, area_code, area_name, financial_year, financial_year_start,
        months_covered, measure, crimes as count, population, rate_per_1000,
        case when rate_per_1000 is not null then
            rank() over (partition by source, area_level, financial_year, measure
                         order by rate_per_1000 desc nulls last)
        end as rank
    from rated
)

select * from final
