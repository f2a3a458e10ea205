-- mart_reoffence_mix (the assessment's Table 3): the offence groups of proven reoffences in the
-- local cohort, for the county, each BCU and each authority, per quarterly cohort and per
-- financial year of cohorts.
-- grain: period_type, period_start, area_level, area_name, sex_group, reoffence_group
-- feeds: reoffending_cohort, reference
-- reoffences: the offence groups listed for the area's reoffenders (one per listed group);
-- share: of all listed in the area, period and sex group (total_reoffences), with its Wilson
-- 95% interval. sex_group: 'All' or one sex. grouping: 'group' (one offence group; ranked) or
-- 'rollup' ('Acquisitive (Theft, Burglary, Robbery)', the sum of those groups).
-- quarters_covered: the quarterly cohorts the period holds.
with

force_areas as (
    select distinct authority_code, force_area_name from dim_geography
),

listed as (
    select r.reoffence_group, c.cohort_start, c.cohort_end, c.authority_name, c.bcu, f.force_area_name, c.sex,
           case when extract(month from c.cohort_start) >= 4
                then cast(extract(year from c.cohort_start) as integer)
                else cast(extract(year from c.cohort_start) as integer) - 1
           end as fy_start
    from fact_reoffence r
    join fact_reoffending_cohort c on c.cohort_start = r.cohort_start and c.offender_key = r.offender_key
    left join force_areas f on f.authority_code = c.authority_code
),

periods as (
    select 'quarterly' as period_type, cohort_start as period_start, cohort_end as period_end,
           cast(cohort_start as text) as cohort_period, listed.*
    from listed
    union all
    select 'annual', make_date(fy_start, 4, 1), make_date(fy_start + 1, 3, 31),
           cast(fy_start as text) || '/' || right(cast(fy_start + 1 as text), 2), listed.*
    from listed
),

areas as (
    select periods.*, 'county' as area_level, force_area_name as area_name from periods where force_area_name is not null
    union all
    select periods.*, 'bcu', bcu from periods where bcu is not null
    union all
    select periods.*, 'authority', authority_name from periods
),

-- every mix for all reoffenders, and again for each sex (shop theft among female reoffences, ...)
sexes as (
    select areas.*, 'All' as sex_group from areas
    union all
    select areas.*, sex from areas
),

groups as (
    select cohort_period, period_type, period_start, period_end, area_level, area_name, sex_group,
           'group' as grouping, reoffence_group, count(*) as reoffences
    from sexes
    group by cohort_period, period_type, period_start, period_end, area_level, area_name, sex_group, reoffence_group
),

-- the assessment's acquisitive roll-up: theft, burglary and robbery together
counted as (
    select * from groups
    union all
    select cohort_period, period_type, period_start, period_end, area_level, area_name, sex_group,
           'rollup', 'Acquisitive (Theft, Burglary, Robbery)', sum(reoffences)
    from groups
    where reoffence_group in ('Theft', 'Burglary', 'Robbery')
    group by cohort_period, period_type, period_start, period_end, area_level, area_name, sex_group
),

coverage as (
    select period_type, period_start, cast(count(distinct cohort_start) as integer) as quarters_covered
    from periods
    group by period_type, period_start
),

totals as (
    select period_type, period_start, area_level, area_name, sex_group, sum(reoffences) as total_reoffences
    from groups
    group by period_type, period_start, area_level, area_name, sex_group
),

final as (
    select
        c.cohort_period, c.period_type, c.period_start, c.period_end, v.quarters_covered,
        c.period_type = 'annual' and v.quarters_covered < 4 as is_part_year,
        c.area_level, c.area_name, c.sex_group, c.grouping, c.reoffence_group, cast(c.reoffences as bigint) as reoffences,
        cast(t.total_reoffences as bigint) as total_reoffences,
        cast(c.reoffences as float8) / t.total_reoffences as share,
        cast(null as float8) as share_lower,
        cast(null as float8) as share_upper,
        case when c.grouping = 'group' then
            rank() over (partition by c.period_type, c.period_start, c.area_level, c.area_name, c.sex_group, c.grouping
                         order by c.reoffences desc)
        end as rank
    from counted c
    join totals t
        on t.period_type = c.period_type and t.period_start = c.period_start and t.area_level = c.area_level
       and t.area_name = c.area_name and t.sex_group = c.sex_group
    join coverage v on v.period_type = c.period_type and v.period_start = c.period_start
)

select * from final
