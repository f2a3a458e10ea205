-- mart_reoffender_profile (E8, the assessment's Table 2): who reoffends in the local cohort, by
-- sex, age band, ethnic group, index offence group and youth, for the county, each BCU and
-- each authority, per quarterly cohort and per financial year of cohorts; for all offenders
-- (sex_group 'All') and for each sex apart (half of female reoffenders aged 32+, ...).
-- grain: period_type, period_start, area_level, area_name, sex_group, dimension, value
-- feeds: reoffending_cohort, reference
-- Age bands come from ref_age_bands (band_set 'reoffender'; by default 10-17, 18-24, 25-31,
-- 32-40, 41+). share = the value's reoffenders / all reoffenders in the area and period;
-- proportion_reoffending = its reoffenders / its offenders. quarters_covered says how many
-- quarterly cohorts a financial year holds (is_part_year below 4). Wilson 95% intervals:
-- proportion_lower/_upper and share_lower/_upper. total_reoffenders: all reoffenders in the area
-- and period (the share's denominator).
with

force_areas as (
    select distinct authority_code, force_area_name from dim_geography
),

offenders as (
    select c.*, f.force_area_name,
           case when extract(month from c.cohort_start) >= 4
                then cast(extract(year from c.cohort_start) as integer)
                else cast(extract(year from c.cohort_start) as integer) - 1
           end as fy_start
    from fact_reoffending_cohort c
    left join force_areas f on f.authority_code = c.authority_code
),

bands as (
    select label, min_age, max_age from ref_age_bands where band_set = 'reoffender'
),

periods as (
    select 'quarterly' as period_type, cohort_start as period_start, cohort_end as period_end,
           cast(cohort_start as text) as cohort_period, offenders.*
    from offenders
    union all
    select 'annual', make_date(fy_start, 4, 1), make_date(fy_start + 1, 3, 31),
           cast(fy_start as text) || '/' || right(cast(fy_start + 1 as text), 2), offenders.*
    from offenders
),

coverage as (
    select period_type, period_start, count(distinct cohort_start) as quarters_covered
    from periods
    group by period_type, period_start
),

areas as (
    select periods.*, 'county' as area_level, force_area_name as area_name from periods where force_area_name is not null
    union all
    select periods.*, 'bcu', bcu from periods where bcu is not null
    union all
    select periods.*, 'authority', authority_name from periods
),

-- every profile for all offenders, and again for each sex (female reoffenders by age band, ...)
sexes as (
    select areas.*, 'All' as sex_group from areas
    union all
    select areas.*, sex from areas
),

dimensions as (
    select a.*, 'sex' as dimension, sex as value from sexes a where sex_group = 'All'
    union all
    select a.*, 'age_band', coalesce(b.label, 'Unbanded') from sexes a
    left join bands b on a.age_at_index between b.min_age and b.max_age
    union all
    select a.*, 'ethnic_group', ethnic_group from sexes a
    union all
    select a.*, 'index_offence_group', index_offence_group from sexes a
    union all
    select a.*, 'youth', case when is_youth then 'Youth (10-17)' else 'Adult (18+)' end from sexes a
),

counted as (
    select period_type, period_start, period_end, cohort_period, area_level, area_name, sex_group, dimension, value,
           count(*) as offenders, cast(sum(case when reoffended then 1 else 0 end) as bigint) as reoffenders
    from dimensions
    group by period_type, period_start, period_end, cohort_period, area_level, area_name, sex_group, dimension, value
),

final as (
    select
        c.cohort_period, c.period_type, c.period_start, c.period_end, v.quarters_covered,
        c.period_type = 'annual' and v.quarters_covered < 4 as is_part_year,
        c.area_level, c.area_name, c.sex_group, c.dimension, c.value, c.offenders, c.reoffenders,
        cast(c.reoffenders as float8) / c.offenders as proportion_reoffending,
        cast(null as float8) as proportion_lower,
        cast(null as float8) as proportion_upper,
        cast(sum(c.reoffenders) over (partition by c.period_type, c.period_start, c.area_level, c.area_name, c.sex_group, c.dimension)
             as bigint) as total_reoffenders,
        case when sum(c.reoffenders) over (partition by c.period_type, c.period_start, c.area_level, c.area_name, c.sex_group, c.dimension) > 0
             then cast(c.reoffenders as float8)
                  / sum(c.reoffenders) over (partition by c.period_type, c.period_start, c.area_level, c.area_name, c.sex_group, c.dimension)
        end as share,
        cast(null as float8) as share_lower,
        cast(null as float8) as share_upper
    from counted c
    join coverage v on v.period_type = c.period_type and v.period_start = c.period_start
)

select * from final
