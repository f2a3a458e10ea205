-- mart_reoffending_rate (E7): proven reoffending by area, adult/juvenile and cohort period:
-- offenders, reoffenders, reoffences, proportion reoffending and frequency.
-- grain: source, area_level, area_name, adult_juvenile, period_start, period_type
-- feeds: moj_reoffending, reference
-- Authorities and upper-tier authorities as the MoJ geographical data tool publishes them; a
-- police force area is the sum of its authorities' counts (areas_summed says how many); national
-- from the national series (new measure). 'All' is Adult + Juvenile where not published. An
-- annual figure is the sum of its four quarterly cohorts' counts (financial year, April to
-- March), never an average of their rates; a published annual figure is used as published.
-- Rates are recomputed from the counts; withheld counts stay null (suppressed true), and so does
-- any sum that would need one: a partial total is never shown as the total. The national
-- series' empty figures are missing (null), not withheld: suppressed stays false.
-- A force area's total needs every one of its authorities: with fewer (areas_summed below
-- areas_expected) its counts are not published and is_partial_total is true.
-- quarters_covered: the quarterly cohorts a row stands for (1 for a quarter, 4 for a year).
-- proportion_lower/proportion_upper: Wilson 95% interval of proportion_reoffending;
-- frequency_lower/frequency_upper: exact Poisson (Garwood) 95% interval of the reoffences, per
-- reoffender.
-- Areas: area_level national, force_area, upper_tier or authority; area_name as MoJ publishes it
-- (the grain: MoJ names areas); area_code the ONS code where known (K04000001 for England and
-- Wales, the force area's from dim_geography, an authority's as the data tool gives it), else null.
with

authorities as (
    select distinct authority_code, force_area_code, force_area_name from dim_geography
),

expected_areas as (
    select force_area_name, count(distinct authority_code) as areas_expected
    from dim_geography
    where force_area_name is not null
    group by force_area_name
),

tool as (
    select m.*, a.force_area_name
    from fact_moj_reoffending m
    left join authorities a on a.authority_code = m.authority_code
    where m.layout = 'geographic'
      and ((m.geography_level = 'authority' and lower(m.category) = 'total')
        or (m.geography_level = 'upper_tier' and lower(m.category) = 'utla total'))
),

series as (
    select period_start, period_end, period_type, adult_juvenile,
           max(case when rate = 'cohort' then value end) as offenders,
           max(case when rate = 'reoffenders' then value end) as reoffenders,
           max(case when rate = 'reoffences' then value end) as reoffences,
           max(case when rate = 'binary' then value end) / 100 as published_proportion
    from fact_moj_reoffending_series
    where measure = 'new'
    group by period_start, period_end, period_type, adult_juvenile
),

published as (
    select 'moj_geographic' as source, geography_level, geography, adult_juvenile, period_start, period_end,
           period_type, offenders, reoffenders, reoffences, suppressed, 1 as areas_summed,
           cast(null as float8) as published_proportion
    from tool
    union all
    select 'moj_geographic', 'force_area', force_area_name, adult_juvenile, period_start, period_end, period_type,
           case when count(offenders) = count(*) then cast(sum(offenders) as bigint) end,
           case when count(reoffenders) = count(*) then cast(sum(reoffenders) as bigint) end,
           case when count(reoffences) = count(*) then cast(sum(reoffences) as bigint) end,
           max(case when suppressed then 1 else 0 end) = 1, count(*), cast(null as float8)
    from tool
    where geography_level = 'authority' and force_area_name is not null
    group by force_area_name, adult_juvenile, period_start, period_end, period_type
    union all
    select 'moj_series', 'national', 'England and Wales', adult_juvenile, period_start, period_end, period_type,
           cast(round(offenders) as bigint), cast(round(reoffenders) as bigint), cast(round(reoffences) as bigint),
           false, 1, published_proportion
    from series
),

summed_groups as (
    select source, geography_level, geography, 'All' as adult_juvenile, period_start, period_end, period_type,
           case when count(offenders) = 2 then cast(sum(offenders) as bigint) end as offenders,
           case when count(reoffenders) = 2 then cast(sum(reoffenders) as bigint) end as reoffenders,
           case when count(reoffences) = 2 then cast(sum(reoffences) as bigint) end as reoffences,
           -- a sum is only as complete as its least complete part (Juvenile short of an authority, say)
           max(case when suppressed then 1 else 0 end) = 1 as suppressed, min(areas_summed) as areas_summed,
           cast(null as float8) as published_proportion
    from published
    where adult_juvenile in ('Adult', 'Juvenile')
    group by source, geography_level, geography, period_start, period_end, period_type
    having count(*) = 2
),

with_all as (
    select * from published
    union all
    select s.*
    from summed_groups s
    where not exists (
        select 1 from published p
        where p.source = s.source and p.geography_level = s.geography_level and p.geography = s.geography
          and p.adult_juvenile = 'All' and p.period_start = s.period_start and p.period_type = s.period_type
    )
),

quarters as (
    select
        with_all.*,
        csp_fy_start(period_start) as fy_start
    from with_all
    where period_type = 'quarterly'
),

summed_years as (
    select source, geography_level, geography, adult_juvenile, make_date(fy_start, 4, 1) as period_start,
           make_date(fy_start + 1, 3, 31) as period_end, 'annual' as period_type,
           case when count(offenders) = 4 then cast(sum(offenders) as bigint) end as offenders,
           case when count(reoffenders) = 4 then cast(sum(reoffenders) as bigint) end as reoffenders,
           case when count(reoffences) = 4 then cast(sum(reoffences) as bigint) end as reoffences,
           max(case when suppressed then 1 else 0 end) = 1 as suppressed, min(areas_summed) as areas_summed,
           cast(null as float8) as published_proportion
    from quarters
    group by source, geography_level, geography, adult_juvenile, fy_start
    having count(*) = 4
),

all_periods as (
    select with_all.*, false as derived_from_quarters from with_all
    union all
    select y.*, true
    from summed_years y
    where not exists (
        select 1 from with_all p
        where p.source = y.source and p.geography_level = y.geography_level and p.geography = y.geography
          and p.adult_juvenile = y.adult_juvenile and p.period_start = y.period_start and p.period_type = 'annual'
    )
),

area_codes as (
    select distinct geography_level, geography, authority_code as area_code from tool where authority_code is not null
    union all
    select distinct 'force_area', force_area_name, force_area_code from dim_geography where force_area_name is not null
    union all
    select 'national', 'England and Wales', 'K04000001'
),

completeness as (
    select a.*, c.area_code, e.areas_expected,
           a.geography_level = 'force_area' and a.areas_summed < coalesce(e.areas_expected, 0) as is_partial_total
    from all_periods a
    left join expected_areas e on a.geography_level = 'force_area' and e.force_area_name = a.geography
    left join area_codes c on c.geography_level = a.geography_level and c.geography = a.geography
),

final as (
    select
        source, geography_level as area_level, area_code, geography as area_name, adult_juvenile,
        period_start, period_end, period_type,
        case when period_type = 'quarterly' then 1 else 4 end as quarters_covered,
        case when not is_partial_total then offenders end as offenders,
        case when not is_partial_total then reoffenders end as reoffenders,
        case when not is_partial_total then reoffences end as reoffences,
        case when not is_partial_total and offenders > 0 then cast(reoffenders as float8) / offenders end as proportion_reoffending,
        cast(null as float8) as proportion_lower,
        cast(null as float8) as proportion_upper,
        case when not is_partial_total and reoffenders > 0 then cast(reoffences as float8) / reoffenders end as frequency,
        cast(null as float8) as frequency_lower,
        cast(null as float8) as frequency_upper,
        published_proportion, suppressed, areas_summed, areas_expected, is_partial_total, derived_from_quarters
    from completeness
)

select * from final
