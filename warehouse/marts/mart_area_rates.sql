-- mart_area_rates (E3): crime, ASB, serious violence (force extract, by the configured rules)
-- and each category per 1,000 residents by area and financial year, ranked within force, source,
-- area level, year and measure (1 = highest rate; the county, alone at its level, unranked).
-- grain: source, force, area_level, area_code, financial_year, measure
-- feeds: reference, recorded_crime
-- count: every crime in the area under the source's counting rule (the county's includes its
-- remainder). located_count: those allocated to an authority of the area; the rate is on this
-- basis at every level, so the county's rate sits beside its authorities' like for like, and the
-- remainder row (area_code 'unallocated') states the crimes no rate includes.
-- The denominator is the ONS mid-year estimate of the year the financial year starts in; if any
-- LSOA of the area lacks it, population and rate are null, never a guess. A part year
-- (months_covered < 12) is annualised (count x 12 / months_covered) and says so in is_annualised.
-- rate_lower/rate_upper: exact Poisson 95% interval (Garwood), annualised the same way.
with

trend as (
    select * from mart_crime_trend
),

extract_years as (
    select distinct source, force, area_level, area_code, area_name, financial_year, financial_year_start, months_covered
    from trend
    where source = 'force_extract'
),

serious_violence_counts as (
    select force, area_level, area_code, fy_start, count(*) as crimes
    from recorded_crime_areas
    where is_serious_violence
    group by force, area_level, area_code, fy_start
),

measures as (
    select a.source, a.force, a.area_level, a.area_code, a.area_name, a.financial_year, a.financial_year_start,
           a.months_covered, 'serious_violence' as measure, coalesce(c.crimes, 0) as crimes
    from extract_years a
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

remainders as (
    select source, force, financial_year, measure, crimes as unallocated
    from measures
    where area_level = 'authority' and area_code = 'unallocated'
),

located as (
    select m.*,
           case when m.area_code = 'unallocated' then 0
                when m.area_level = 'county' then m.crimes - coalesce(r.unallocated, 0)
                else m.crimes end as located_count
    from measures m
    left join remainders r
        on r.source = m.source and r.force = m.force and r.financial_year = m.financial_year and r.measure = m.measure
),

rated as (
    select
        l.*,
        p.population,
        case when p.population > 0 and l.months_covered > 0
             then cast(l.located_count as float8) * 1000 * 12 / l.months_covered / p.population end as rate_per_1000
    from located l
    left join area_population p
        on p.force = l.force and p.area_level = l.area_level and p.area_code = l.area_code
       and p.year = l.financial_year_start
),

final as (
    select
        source, force, area_level, area_code, area_name, financial_year, financial_year_start,
        months_covered, months_covered < 12 as is_annualised, measure, crimes as count, located_count, population,
        rate_per_1000,
        cast(null as float8) as rate_lower,
        cast(null as float8) as rate_upper,
        -- a county alone in its level has no rank to state
        case when rate_per_1000 is not null and area_level <> 'county' then
            rank() over (partition by source, force, area_level, financial_year, measure
                         order by rate_per_1000 desc nulls last)
        end as rank
    from rated
)

select * from final
