-- mart_reoffence_mix (the assessment's Table 3): the offence groups of proven reoffences in the
-- local cohort, for the county, each BCU and each authority, per quarterly cohort and per
-- financial year of cohorts.
-- grain: period_type, period_start, area_level, area_name, sex_group, reoffence_group
-- feeds: reoffending_cohort, reference
-- reoffences: the offence groups listed for the area's reoffenders (one per listed group);
-- share: of all listed in the area, period and sex group (total_reoffences), with its Wilson
-- 95% interval. sex_group: 'All' or one sex. grouping: 'group' (one offence group; ranked) or
-- 'rollup' ('Acquisitive (Theft, Burglary, Robbery)', the sum of those groups).
-- quarters_covered: the quarterly cohorts the period holds. Each level has its remainder row
-- (area_code 'unallocated', zero where every reoffender is allocated), so a level's areas add up
-- to the county.
with

-- one row per listed reoffence of each offender, in every period and area the offender counts in
areas as (
    select a.*, r.reoffence_group
    from reoffending_cohort_areas a
    join fact_reoffence r on r.cohort_start = a.cohort_start and r.offender_key = a.offender_key
),

-- every mix for all reoffenders, and again for each sex (shop theft among female reoffences, ...)
sexes as (
    select areas.*, 'All' as sex_group from areas
    union all
    select areas.*, sex from areas
),

observed as (
    select cohort_period, period_type, period_start, period_end, area_level, area_code, area_name, sex_group,
           'group' as grouping, reoffence_group, count(*) as reoffences
    from sexes
    group by cohort_period, period_type, period_start, period_end, area_level, area_code, area_name, sex_group,
             reoffence_group
),

-- the remainder rows stated at zero wherever the county has the cell and nobody is unallocated
groups as (
    select * from observed
    union all
    select c.cohort_period, c.period_type, c.period_start, c.period_end, r.area_level, 'unallocated', r.area_name,
           c.sex_group, c.grouping, c.reoffence_group, 0
    from observed c
    cross join (values ('bcu', 'Not allocated to a BCU'), ('authority', 'Not allocated to an authority'))
        as r (area_level, area_name)
    where c.area_level = 'county'
      and not exists (select 1 from observed o
                      where o.area_level = r.area_level and o.area_code = 'unallocated' and o.period_type = c.period_type
                        and o.period_start = c.period_start and o.sex_group = c.sex_group
                        and o.reoffence_group = c.reoffence_group)
),

-- the assessment's acquisitive roll-up: theft, burglary and robbery together
counted as (
    select * from groups
    union all
    select cohort_period, period_type, period_start, period_end, area_level, area_code, area_name, sex_group,
           'rollup', 'Acquisitive (Theft, Burglary, Robbery)', sum(reoffences)
    from groups
    where reoffence_group in ('Theft', 'Burglary', 'Robbery')
    group by cohort_period, period_type, period_start, period_end, area_level, area_code, area_name, sex_group
),

coverage as (
    select period_type, period_start, cast(count(distinct cohort_start) as integer) as quarters_covered
    from areas
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
        c.area_level, c.area_code, c.area_name, c.sex_group, c.grouping, c.reoffence_group, cast(c.reoffences as bigint) as reoffences,
        cast(t.total_reoffences as bigint) as total_reoffences,
        case when t.total_reoffences > 0 then cast(c.reoffences as float8) / t.total_reoffences end as share,
        cast(null as float8) as share_lower,
        cast(null as float8) as share_upper,
        case when c.grouping = 'group' and t.total_reoffences > 0 then
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
