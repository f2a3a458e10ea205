-- mart_crime_volume_harm (E2, the assessment's Figure 1): each category's share of crime
-- count beside its share of harm (count x Crime Severity Score weight), by area and year.
-- grain: one row per source, force, area_level, area_code, financial_year, classification, category
-- depends_on: mart_crime_trend
-- feeds: reference
-- police.uk types use the approximate type-level weights (ref_css_weights_policeuk); ASB is
-- not a crime and carries no harm, so it is left out of both shares. A category without a
-- weight keeps its count and volume share, with null harm ("unweighted").
with

trend as (
    select * from mart_crime_trend where crime_type <> 'Anti-social behaviour'
),

weights as (
    select police_uk_crime_type, weight, weights_version from ref_css_weights_policeuk
),

weighted as (
    select t.*, w.weight, w.weights_version, t.crimes * w.weight as harm
    from trend t
    left join weights w on w.police_uk_crime_type = t.crime_type
),

totals as (
    select source, force, area_level, area_code, financial_year,
           sum(crimes) as total_crimes, sum(harm) as total_harm
    from weighted
    group by source, force, area_level, area_code, financial_year
),

final as (
    select
        w.source, w.force, w.area_level, w.area_code, w.area_name, w.financial_year,
        w.financial_year_start, w.months_covered,
        'police_uk_type' as classification,
        w.crime_type as category,
        w.crimes,
        case when t.total_crimes > 0 then cast(w.crimes as float8) / t.total_crimes end as volume_share,
        w.harm,
        case when t.total_harm > 0 then w.harm / t.total_harm end as harm_share,
        w.weight,
        w.weight is null as unweighted,
        (select max(weights_version) from weights) as weights_version
    from weighted w
    join totals t
        on t.source = w.source and t.force = w.force and t.area_level = w.area_level
       and t.area_code = w.area_code and t.financial_year = w.financial_year
)

select * from final
