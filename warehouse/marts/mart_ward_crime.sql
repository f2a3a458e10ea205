-- mart_ward_crime: crime and ASB by 2019 ward and financial year, with rates per 1,000 residents,
-- beside each authority's total of its wards and each ward's LSOAs, from data.police.uk street rows.
-- grain: force, area_level, area_code, financial_year, measure
-- feeds: police_uk_street, reference
-- A ward is the LSOAs the ONS lookup places in it (LSOA to ward is a best fit, so a ward here is
-- its LSOAs, not its exact boundary; the 2022 ward boundaries are a different vintage and are not
-- joined). measure 'crime' counts crimes by the street counting rule, 'asb' incidents; rows with
-- no location or outside the force area lie in no ward. An authority row (area_level
-- 'authority', parent_code its own code) is the sum of its wards, every ward listed, those with
-- none as zero; an LSOA row (area_level 'lsoa', parent_code its ward) is one of a ward's parts,
-- is_persistent_hotspot saying whether mart_persistent_hotspots lists it for the measure. rate_per_1000: annualised (x 12 / months_covered) per ONS mid-year resident of
-- the year the financial year starts in (null if any of the ward's LSOAs lacks it); rate_lower/
-- rate_upper: Garwood's exact 95% interval. Disclosure (the ward rule): a ward or LSOA count of
-- 1-4 is suppressed with its rate, and complementary cells are hidden so that no authority total
-- minus its published wards, nor ward minus its published LSOAs, gives one away (a hotspot's count
-- is published in mart_persistent_hotspots, so it is the last cell chosen as a complement).
with

coverage as (
    select * from street_years
),

ward_lsoas as (
    select force, ward_code, ward_name, authority_code, authority_name, lsoa_code, lsoa_name
    from lsoa_areas
    where area_level = 'authority' and ward_code is not null
),

lsoa_years as (
    select force, lsoa_code, csp_fy_start(month) as fy_start, sum(crimes) as crimes, sum(asb) as asb
    from street_lsoa_months
    group by force, lsoa_code, csp_fy_start(month)
),

lsoa_values as (
    select w.force, w.ward_code, w.ward_name, w.authority_code, w.authority_name, w.lsoa_code, w.lsoa_name, c.fy_start,
           c.months_covered, m.measure, p.population,
           coalesce(case m.measure when 'crime' then y.crimes else y.asb end, 0) as amount
    from ward_lsoas w
    join coverage c on c.force = w.force
    cross join (values ('crime'), ('asb')) as m (measure)
    left join lsoa_years y on y.force = w.force and y.lsoa_code = w.lsoa_code and y.fy_start = c.fy_start
    left join ref_population p on p.lsoa_code = w.lsoa_code and p.year = c.fy_start
),

areas as (
    select force, 'ward' as area_level, ward_code as area_code, ward_name as area_name,
           authority_code as parent_code, authority_name as parent_name,
           fy_start, months_covered, measure, amount, population
    from lsoa_values
    union all
    select force, 'authority', authority_code, authority_name, authority_code, authority_name,
           fy_start, months_covered, measure, amount, population
    from lsoa_values
    union all
    select force, 'lsoa', lsoa_code, lsoa_name, ward_code, ward_name,
           fy_start, months_covered, measure, amount, population
    from lsoa_values
),

hotspots as (
    select distinct force, lsoa_code, measure from mart_persistent_hotspots
),

summed as (
    select force, area_level, area_code, area_name, parent_code, parent_name, fy_start, months_covered, measure,
           cast(sum(amount) as bigint) as count,
           case when count(population) = count(*) then cast(sum(population) as bigint) end as population
    from areas
    group by force, area_level, area_code, area_name, parent_code, parent_name, fy_start, months_covered, measure
),

final as (
    select
        s.force, s.area_level, s.area_code, s.area_name, s.parent_code, s.parent_name,
        csp_financial_year(s.fy_start) as financial_year, s.fy_start as financial_year_start, s.months_covered,
        s.months_covered < 12 as is_annualised, s.measure, s.count, s.population,
        case when s.population > 0 then cast(s.count as float8) * 1000 * 12 / s.months_covered / s.population end as rate_per_1000,
        cast(null as float8) as rate_lower,
        cast(null as float8) as rate_upper,
        h.lsoa_code is not null as is_persistent_hotspot,
        cast(null as boolean) as suppressed,
        cast(null as text) as suppression
    from summed s
    left join hotspots h
        on s.area_level = 'lsoa' and h.force = s.force and h.lsoa_code = s.area_code and h.measure = s.measure
)

select * from final
