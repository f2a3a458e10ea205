-- mart_crime_volume_harm (E2, the assessment's Figure 1): each category's share of crime
-- count beside its share of harm (count x Crime Severity Score weight), by area and year.
-- grain: source, force, area_level, area_code, financial_year, classification, category
-- feeds: reference, recorded_crime, ho_csp
-- police.uk types use the approximate type-level weights (ref_css_weights_policeuk); ASB is
-- not a crime and carries no harm, so it is left out of both shares. The force extract uses
-- each crime's offence-code weight, grouped by HO offence group; the Home Office CSP tables
-- weight each row's count by its offence code's weight in ref_offence_classification. Crimes without a weight keep
-- their count and volume share and are counted in unweighted_crimes; a category with no
-- weighted crime has null harm, never zero. Crimes are counted by each source's counting rule
-- (see mart_crime_trend); areas include the remainder rows. volume_share_lower/_upper: Wilson
-- 95% interval of the volume share; harm_share is a weighted share and carries no interval.
with

trend as (
    select * from mart_crime_trend where crime_type <> 'Anti-social behaviour'
),

policeuk_weights as (
    select police_uk_crime_type, weight, weights_version from ref_css_weights_policeuk
),

extract_areas as (
    select area_level, area_code, force, fy_start, coalesce(offence_group, 'Unclassified') as category,
           weight, weights_version
    from recorded_crime_areas
),

ho_areas as (
    select h.force, h.area_level, h.area_code, h.fy_start, coalesce(h.offence_group, 'Unclassified') as category,
           h.offences, h.offences * c.weight as harm, c.weights_version
    from ho_csp_areas h
    left join ref_offence_classification c on c.offence_code = h.offence_code
),

ho_harm as (
    select force, area_level, area_code, fy_start, category, sum(harm) as harm,
           cast(sum(case when harm is null then offences else 0 end) as bigint) as unweighted,
           count(harm) as weighted_rows, max(weights_version) as weights_version
    from ho_areas
    group by force, area_level, area_code, fy_start, category
),

extract_harm as (
    select force, area_level, area_code, fy_start, category,
           sum(weight) as harm, count(weight) as weighted_crimes, max(weights_version) as weights_version
    from extract_areas
    group by force, area_level, area_code, fy_start, category
),

weighted as (
    select t.source, t.force, t.area_level, t.area_code, t.area_name, t.financial_year,
           t.financial_year_start, t.months_covered, t.classification, t.crime_type as category, t.crimes,
           t.crimes * w.weight as harm,
           case when w.weight is null then t.crimes else 0 end as unweighted_crimes,
           (select max(weights_version) from policeuk_weights) as weights_version
    from trend t
    left join policeuk_weights w on w.police_uk_crime_type = t.crime_type
    where t.source = 'police_uk'
    union all
    select t.source, t.force, t.area_level, t.area_code, t.area_name, t.financial_year,
           t.financial_year_start, t.months_covered, t.classification, t.crime_type, t.crimes,
           case when t.crimes = 0 then 0 when coalesce(h.weighted_crimes, 0) = 0 then null else h.harm end,
           t.crimes - coalesce(h.weighted_crimes, 0),
           h.weights_version
    from trend t
    left join extract_harm h
        on h.force = t.force and h.area_level = t.area_level and h.area_code = t.area_code
       and h.fy_start = t.financial_year_start and h.category = t.crime_type
    where t.source = 'force_extract'
    union all
    select t.source, t.force, t.area_level, t.area_code, t.area_name, t.financial_year,
           t.financial_year_start, t.months_covered, t.classification, t.crime_type, t.crimes,
           case when coalesce(h.weighted_rows, 0) = 0 then null else h.harm end,
           coalesce(h.unweighted, t.crimes),
           h.weights_version
    from trend t
    left join ho_harm h
        on h.force = t.force and h.area_level = t.area_level and h.area_code = t.area_code
       and h.fy_start = t.financial_year_start and h.category = t.crime_type
    where t.source = 'ho_csp'
),

totals as (
    select source, force, area_level, area_code, financial_year,
           sum(crimes) as total_crimes, sum(harm) as total_harm, max(weights_version) as weights_version
    from weighted
    group by source, force, area_level, area_code, financial_year
),

final as (
    select
        w.source, w.force, w.area_level, w.area_code, w.area_name, w.financial_year,
        w.financial_year_start, w.months_covered, w.classification, w.category, w.crimes,
        t.total_crimes,
        case when t.total_crimes > 0 then cast(w.crimes as float8) / t.total_crimes end as volume_share,
        cast(null as float8) as volume_share_lower,
        cast(null as float8) as volume_share_upper,
        w.harm,
        case when t.total_harm > 0 then w.harm / t.total_harm end as harm_share,
        w.unweighted_crimes,
        t.weights_version
    from weighted w
    join totals t
        on t.source = w.source and t.force = w.force and t.area_level = w.area_level
       and t.area_code = w.area_code and t.financial_year = w.financial_year
)

select * from final
