-- mart_harm_concentration (the assessment's "the most harmful 20% of volume is 72% of harm"):
-- the share of an area's harm in its most harmful 1%, 5%, 10%, 20% and 50% of crimes, by
-- source, area and financial year.
-- grain: source, force, area_level, area_code, financial_year, top_volume_percent
-- feeds: police_uk_street, recorded_crime, reference
-- Crimes with a weight, ordered by weight (force extract: each crime's offence-code weight;
-- police.uk: its type's approximate weight, so the police.uk curve is coarser); the top group is
-- the ceil(p% x weighted crimes) most harmful. harm_share = their harm / all the area's harm.
-- months_covered: months of the year the source holds (12 = full year; is_part_year otherwise).
with

weighted as (
    select 'force_extract' as source, force, area_level, area_code, area_name, fy_start, weight, 1 as crimes
    from recorded_crime_areas
    where weight is not null
    union all
    select 'police_uk', s.force, s.area_level, s.area_code, s.area_name, s.fy_start, w.weight, s.crimes
    from street_crime_areas s
    join ref_css_weights_policeuk w on w.police_uk_crime_type = s.crime_type
    where not s.is_asb and w.weight is not null
),

-- Crimes of equal weight are interchangeable in the ranking, so it is made of counts per weight
-- rather than a window over every crime: over the national lake's Parquet that window held every
-- row at once and ran DuckDB out of memory (bench/RESULTS.md).
percents as (
    select * from (values (1), (5), (10), (20), (50)) as p (top_volume_percent)
),

by_weight as (
    select source, force, area_level, area_code, area_name, fy_start, weight, cast(sum(crimes) as bigint) as crimes
    from weighted
    group by source, force, area_level, area_code, area_name, fy_start, weight
),

ranked as (
    select by_weight.*,
           -- crimes ranked at this weight or above it
           sum(crimes) over (partition by source, force, area_level, area_code, fy_start order by weight desc
                             rows between unbounded preceding and current row) as through,
           sum(crimes) over (partition by source, force, area_level, area_code, fy_start) as weighted_crimes,
           sum(crimes * weight) over (partition by source, force, area_level, area_code, fy_start) as total_harm
    from by_weight
),

-- how many of each weight's crimes are in each top group: all, some (the group's edge) or none
ordered as (
    select ranked.*, p.top_volume_percent,
           greatest(0, least(crimes, ceil(weighted_crimes * p.top_volume_percent / 100.0) - (through - crimes))) as taken
    from ranked
    cross join percents p
),

coverage as (
    select source, force, fy_start, cast(count(distinct month) as integer) as months_covered
    from (select 'force_extract' as source, force, fy_start, month from recorded_crime_areas
          union all
          select 'police_uk', force, fy_start, month from street_crime_areas) m
    group by source, force, fy_start
),

final as (
    select
        o.source, o.force, o.area_level, o.area_code, o.area_name,
        csp_financial_year(o.fy_start) as financial_year,
        o.fy_start as financial_year_start, c.months_covered, c.months_covered < 12 as is_part_year,
        o.top_volume_percent,
        cast(max(o.weighted_crimes) as bigint) as weighted_crimes,
        cast(sum(o.taken) as bigint) as crimes_in_top,
        sum(o.taken * o.weight) as harm_in_top,
        max(o.total_harm) as total_harm,
        case when max(o.total_harm) > 0 then sum(o.taken * o.weight) / max(o.total_harm) end as harm_share
    from ordered o
    join coverage c on c.source = o.source and c.force = o.force and c.fy_start = o.fy_start
    where o.taken > 0
    group by o.source, o.force, o.area_level, o.area_code, o.area_name, o.fy_start, c.months_covered,
             o.top_volume_percent
)

select * from final
