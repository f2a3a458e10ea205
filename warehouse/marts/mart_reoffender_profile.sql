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
-- and period (the share's denominator). Each level has its remainder row (area_code 'unallocated',
-- zero where every offender is allocated), so a level's areas add up to the county.
with

bands as (
    select label, min_age, max_age from ref_age_bands where band_set = 'reoffender'
),

areas as (
    select * from reoffending_cohort_areas
),

coverage as (
    select period_type, period_start, count(distinct cohort_start) as quarters_covered
    from areas
    group by period_type, period_start
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

observed as (
    select period_type, period_start, period_end, cohort_period, area_level, area_code, area_name, sex_group, dimension,
           value, count(*) as offenders, cast(sum(case when reoffended then 1 else 0 end) as bigint) as reoffenders
    from dimensions
    group by period_type, period_start, period_end, cohort_period, area_level, area_code, area_name, sex_group, dimension,
             value
),

-- the remainder rows stated at zero wherever the county has the cell and nobody is unallocated
remainders as (
    select c.period_type, c.period_start, c.period_end, c.cohort_period, r.area_level, 'unallocated' as area_code,
           r.area_name, c.sex_group, c.dimension, c.value, cast(0 as bigint) as offenders, cast(0 as bigint) as reoffenders
    from observed c
    cross join (values ('bcu', 'Not allocated to a BCU'), ('authority', 'Not allocated to an authority'))
        as r (area_level, area_name)
    where c.area_level = 'county'
      and not exists (select 1 from observed o
                      where o.area_level = r.area_level and o.area_code = 'unallocated' and o.period_type = c.period_type
                        and o.period_start = c.period_start and o.sex_group = c.sex_group
                        and o.dimension = c.dimension and o.value = c.value)
),

counted as (
    select * from observed
    union all
    select * from remainders
),

final as (
    select
        c.cohort_period, c.period_type, c.period_start, c.period_end, v.quarters_covered,
        c.period_type = 'annual' and v.quarters_covered < 4 as is_part_year,
        c.area_level, c.area_code, c.area_name, c.sex_group, c.dimension, c.value, c.offenders, c.reoffenders,
        case when c.offenders > 0 then cast(c.reoffenders as float8) / c.offenders end as proportion_reoffending,
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
