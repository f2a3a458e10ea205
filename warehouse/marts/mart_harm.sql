-- mart_harm (E2 beside E3): harm per head, the Crime Severity Score of an area's crimes per 1,000
-- residents, by source, area and financial year, ranked among a force's authorities.
-- grain: source, force, area_level, area_code, financial_year
-- feeds: police_uk_street, recorded_crime, reference
-- harm: the sum of each crime's weight (force extract: its Home Office offence code's weight;
-- police.uk: the approximate weight of its crime type, ref_css_weights_policeuk; ASB carries none).
-- weighted_crimes: the crimes with a weight; unweighted_crimes: those without, left out of harm.
-- harm_per_1000: harm per 1,000 residents, annualised over a part year (is_annualised), on
-- located crimes as mart_area_rates (the remainder row states the harm no rate counts).
-- harm_per_1000_lower/_upper: the 95% interval of a weighted sum of Poisson counts (Fay and Feuer
-- 1997, gamma quantiles; with every weight 1 it is Garwood's interval of mart_area_rates), from
-- located_harm, located_harm_squares (the sum of squared weights) and max_weight (the area's
-- largest weight, or the source's where the area has none).
with

weighted as (
    select 'force_extract' as source, force, area_level, area_code, area_name, fy_start, month, weight, weights_version,
           1 as crimes
    from recorded_crime_areas
    union all
    select 'police_uk', s.force, s.area_level, s.area_code, s.area_name, s.fy_start, s.month, w.weight, w.weights_version,
           s.crimes
    from street_crime_areas s
    left join ref_css_weights_policeuk w on w.police_uk_crime_type = s.crime_type
    where not s.is_asb
),

coverage as (
    select source, force, fy_start, cast(count(distinct month) as integer) as months_covered
    from weighted
    group by source, force, fy_start
),

summed as (
    select source, force, area_level, area_code, area_name, fy_start,
           cast(sum(crimes) as bigint) as crimes,
           cast(sum(case when weight is not null then crimes else 0 end) as bigint) as weighted_crimes,
           sum(weight * crimes) as harm, sum(weight * weight * crimes) as harm_squares,
           max(weight) as max_weight, max(weights_version) as weights_version
    from weighted
    group by source, force, area_level, area_code, area_name, fy_start
),

source_weights as (
    select source, max(weight) as max_weight from weighted group by source
),

remainders as (
    select source, force, fy_start, harm as unallocated_harm, harm_squares as unallocated_squares
    from summed
    where area_level = 'authority' and area_code = 'unallocated'
),

located as (
    select s.*,
           case when s.area_code = 'unallocated' then 0
                when s.area_level = 'county' then coalesce(s.harm, 0) - coalesce(r.unallocated_harm, 0)
                else coalesce(s.harm, 0) end as located_harm,
           case when s.area_code = 'unallocated' then 0
                when s.area_level = 'county' then coalesce(s.harm_squares, 0) - coalesce(r.unallocated_squares, 0)
                else coalesce(s.harm_squares, 0) end as located_harm_squares
    from summed s
    left join remainders r on r.source = s.source and r.force = s.force and r.fy_start = s.fy_start
),

final as (
    select
        s.source, s.force, s.area_level, s.area_code, s.area_name,
        csp_financial_year(s.fy_start) as financial_year,
        s.fy_start as financial_year_start, v.months_covered, v.months_covered < 12 as is_annualised,
        cast(s.crimes as bigint) as crimes, cast(s.weighted_crimes as bigint) as weighted_crimes,
        cast(s.crimes - s.weighted_crimes as bigint) as unweighted_crimes, s.harm,
        s.located_harm, s.located_harm_squares, coalesce(s.max_weight, w.max_weight) as max_weight,
        p.population,
        case when p.population > 0 and s.area_code <> 'unallocated' then
            s.located_harm * 1000 * 12 / v.months_covered / p.population
        end as harm_per_1000,
        cast(null as float8) as harm_per_1000_lower,
        cast(null as float8) as harm_per_1000_upper,
        case when s.area_level = 'authority' and s.area_code <> 'unallocated' and p.population > 0 then
            rank() over (partition by s.source, s.force, s.area_level, s.fy_start, s.area_code = 'unallocated',
                                      p.population > 0
                         order by s.harm / p.population desc)
        end as rank,
        s.weights_version
    from located s
    join coverage v on v.source = s.source and v.force = s.force and v.fy_start = s.fy_start
    join source_weights w on w.source = s.source
    left join area_population p
        on p.force = s.force and p.area_level = s.area_level and p.area_code = s.area_code and p.year = s.fy_start
)

select * from final
