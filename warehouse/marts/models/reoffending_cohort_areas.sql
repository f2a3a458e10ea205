-- reoffending_cohort_areas: every offender of the local cohort once per period and area level it
-- counts in: period_type 'quarterly' (its cohort) and 'annual' (the financial year of cohorts,
-- April to March); area_level 'county' (offenders of an authority of the force area), 'bcu' and
-- 'authority', each level with its remainder (area_code 'unallocated') for county offenders
-- with no BCU or authority, so a level's areas add up to the county.
with

force_areas as (
    select distinct authority_code, force_area_code, force_area_name from dim_geography
),

offenders as (
    select c.*, f.force_area_code, f.force_area_name,
           csp_fy_start(c.cohort_start) as fy_start
    from fact_reoffending_cohort c
    left join force_areas f on f.authority_code = c.authority_code
),

periods as (
    select 'quarterly' as period_type, cohort_start as period_start, cohort_end as period_end,
           cast(cohort_start as text) as cohort_period, offenders.*
    from offenders
    union all
    select 'annual', make_date(fy_start, 4, 1), make_date(fy_start + 1, 3, 31),
           csp_financial_year(fy_start), offenders.*
    from offenders
),

final as (
    select periods.*, 'county' as area_level, force_area_code as area_code, force_area_name as area_name
    from periods where force_area_name is not null
    union all
    select periods.*, 'bcu', coalesce(bcu, 'unallocated'), coalesce(bcu, 'Not allocated to a BCU')
    from periods where bcu is not null or force_area_name is not null
    union all
    select periods.*, 'authority', coalesce(authority_code, 'unallocated'), coalesce(authority_name, 'Not allocated to an authority')
    from periods where authority_name is not null or force_area_name is not null
)

select * from final
