-- mart_offence_measures (E1 at the level the assessment was written): the force extract's crimes
-- by offence subgroup, by Home Office offence code, by serious violence component and by flag
-- (knife or sharp instrument, online, domestic abuse, rape flagged domestic abuse), by area and
-- financial year, with their share of all crime, rate per 1,000 residents and the change from the
-- previous year like for like.
-- grain: force, area_level, area_code, financial_year, measure_type, measure
-- feeds: recorded_crime, reference
-- measure_type: 'offence_subgroup' (e.g. Violence with injury = assault with injury, Stalking
-- and harassment, Domestic burglary = residential burglary, Rape, Homicide), 'offence_code' (HO
-- code; measure_label its description, e.g. 8R Malicious communications), 'serious_violence' (each
-- rule of ref_serious_violence that made a crime serious violence, a crime meeting two rules counting
-- under each, and 'any': serious violence by any rule, each crime once) and 'flag' (knife_crime,
-- online, domestic_abuse, rape_domestic_abuse).
-- Crimes are counted by the force extract's counting rule; areas include the remainder rows.
-- share: of all crimes in the area and year (Wilson 95% interval); rate: on located crimes
-- (located_count, the county's without its remainder row, as mart_area_rates), annualised over a
-- part year (is_annualised), with its exact Poisson 95% interval; change over comparable_months
-- (named in change_basis) with
-- its conditional Poisson test (residents as exposure). share_of_serious_violence (serious violence
-- rows only): of the area's serious violence crimes ('any'), with its Wilson 95% interval, so the
-- knife_crime component's row answers "knife crime is under 1% of serious violence"; components
-- overlap, so their shares need not add to 1.
with

crimes as (
    select * from recorded_crime_areas
),

measured as (
    select force, area_level, area_code, area_name, fy_start, month, 'offence_subgroup' as measure_type,
           coalesce(offence_subgroup, 'Unclassified') as measure, coalesce(offence_subgroup, 'Unclassified') as measure_label
    from crimes
    union all
    select force, area_level, area_code, area_name, fy_start, month, 'offence_code', ho_offence_code,
           coalesce(offence_description, 'Not in the classification')
    from crimes
    union all
    select c.force, c.area_level, c.area_code, c.area_name, c.fy_start, c.month, 'serious_violence', r.rule_id, r.label
    from crimes c
    join (select distinct rule_id, label from ref_serious_violence_rules) r
        on ';' || c.serious_violence_rules || ';' like '%;' || r.rule_id || ';%'
    where c.is_serious_violence
    union all
    select force, area_level, area_code, area_name, fy_start, month, 'serious_violence', 'any', 'Serious violence (any component)'
    from crimes where is_serious_violence
    union all
    select force, area_level, area_code, area_name, fy_start, month, 'flag', 'knife_crime', 'Knife or sharp instrument'
    from crimes where is_knife_crime
    union all
    select force, area_level, area_code, area_name, fy_start, month, 'flag', 'online', 'Online (cyber) crime'
    from crimes where is_online
    union all
    select force, area_level, area_code, area_name, fy_start, month, 'flag', 'domestic_abuse', 'Domestic abuse'
    from crimes where is_domestic_abuse
    union all
    select force, area_level, area_code, area_name, fy_start, month, 'flag', 'rape_domestic_abuse', 'Rape flagged domestic abuse'
    from crimes where is_domestic_abuse and offence_subgroup = 'Rape'
),

measures as (
    select distinct force, measure_type, measure, measure_label from measured
),

coverage as (
    select distinct force, fy_start, months_covered, comparable_months, change_basis from recorded_crime_calendar
),

all_crimes as (
    select force, area_level, area_code, fy_start, count(*) as crimes,
           count(case when is_serious_violence then 1 end) as serious_violence_crimes
    from crimes
    group by force, area_level, area_code, fy_start
),

monthly as (
    select force, area_level, area_code, fy_start, month, measure_type, measure, count(*) as crimes
    from measured
    group by force, area_level, area_code, fy_start, month, measure_type, measure
),

counts as (
    select force, area_level, area_code, fy_start, measure_type, measure, sum(crimes) as crimes
    from monthly
    group by force, area_level, area_code, fy_start, measure_type, measure
),

comparable_counts as (
    select m.force, m.area_level, m.area_code, c.fy_start, m.measure_type, m.measure,
           sum(case when m.month = c.current_month then m.crimes else 0 end) as crimes_comparable,
           sum(case when m.month = c.previous_month then m.crimes else 0 end) as previous_crimes_comparable
    from (select force, fy_start, month as current_month, previous_month from recorded_crime_calendar
          where previous_month is not null) c
    join monthly m on m.force = c.force and m.month in (c.current_month, c.previous_month)
    group by m.force, m.area_level, m.area_code, c.fy_start, m.measure_type, m.measure
),

filled as (
    select a.force, a.area_level, a.area_code, a.area_name, v.fy_start, v.months_covered, v.comparable_months, v.change_basis,
           m.measure_type, m.measure, m.measure_label, cast(coalesce(n.crimes, 0) as bigint) as crimes,
           cast(coalesce(t.crimes, 0) as bigint) as all_crimes,
           case when m.measure_type = 'serious_violence' then cast(coalesce(t.serious_violence_crimes, 0) as bigint)
           end as serious_violence_crimes
    from recorded_crime_area_list a
    join coverage v on v.force = a.force
    join measures m on m.force = a.force
    left join counts n
        on n.force = a.force and n.area_level = a.area_level and n.area_code = a.area_code and n.fy_start = v.fy_start
       and n.measure_type = m.measure_type and n.measure = m.measure
    left join all_crimes t
        on t.force = a.force and t.area_level = a.area_level and t.area_code = a.area_code and t.fy_start = v.fy_start
),

-- rates are on located crimes, as mart_area_rates: the county's without the remainder's
remainders as (
    select force, fy_start, measure_type, measure, crimes as unallocated
    from filled
    where area_level = 'authority' and area_code = 'unallocated'
),

located as (
    select f.*,
           case when f.area_code = 'unallocated' then 0
                when f.area_level = 'county' then f.crimes - coalesce(r.unallocated, 0)
                else f.crimes end as located_crimes
    from filled f
    left join remainders r
        on r.force = f.force and r.fy_start = f.fy_start and r.measure_type = f.measure_type and r.measure = f.measure
),

final as (
    select
        f.force, f.area_level, f.area_code, f.area_name,
        csp_financial_year(f.fy_start) as financial_year,
        f.fy_start as financial_year_start, f.months_covered, f.months_covered < 12 as is_part_year,
        f.measure_type, f.measure, f.measure_label, f.crimes, f.all_crimes,
        case when f.all_crimes > 0 then cast(f.crimes as float8) / f.all_crimes end as share,
        cast(null as float8) as share_lower,
        cast(null as float8) as share_upper,
        f.serious_violence_crimes,
        case when f.serious_violence_crimes > 0 then cast(f.crimes as float8) / f.serious_violence_crimes end
            as share_of_serious_violence,
        cast(null as float8) as share_of_serious_violence_lower,
        cast(null as float8) as share_of_serious_violence_upper,
        cast(f.located_crimes as bigint) as located_count,
        p.population,
        f.months_covered < 12 as is_annualised,
        case when p.population > 0 and f.area_code <> 'unallocated'
             then cast(f.located_crimes as float8) * 1000 * 12 / f.months_covered / p.population end as rate_per_1000,
        cast(null as float8) as rate_lower,
        cast(null as float8) as rate_upper,
        f.comparable_months,
        f.change_basis,
        case when f.comparable_months is not null then cast(coalesce(n.crimes_comparable, 0) as bigint) end as crimes_comparable,
        case when f.comparable_months is not null
             then cast(coalesce(n.previous_crimes_comparable, 0) as bigint) end as previous_crimes_comparable,
        case when f.comparable_months is not null
             then cast(coalesce(n.crimes_comparable, 0) - coalesce(n.previous_crimes_comparable, 0) as bigint) end as change,
        pp.population as previous_population,
        cast(null as float8) as change_p_value,
        cast(null as boolean) as change_significant
    from located f
    left join comparable_counts n
        on n.force = f.force and n.area_level = f.area_level and n.area_code = f.area_code and n.fy_start = f.fy_start
       and n.measure_type = f.measure_type and n.measure = f.measure
    left join area_population p
        on p.force = f.force and p.area_level = f.area_level and p.area_code = f.area_code and p.year = f.fy_start
    left join area_population pp
        on pp.force = f.force and pp.area_level = f.area_level and pp.area_code = f.area_code and pp.year = f.fy_start - 1
)

select * from final
