-- mart_deprivation_gradient: crime, serious violence, domestic abuse and harm per 1,000 residents
-- by IMD 2019 decile (1 = the most deprived 10% of England's LSOAs), for the county and each
-- authority by financial year, with each decile's rate against the least deprived decile's.
-- grain: source, force, area_level, area_code, financial_year, measure, imd_decile
-- feeds: police_uk_street, recorded_crime, reference
-- Sources are never summed together: source 'police_uk' (street rows by their counting rule:
-- measures crime and harm) or 'force_extract' (measures crime, serious_violence, domestic_abuse
-- and harm by its counting rule and flags). harm: the sum of the crimes' weights (police.uk: its
-- type's approximate weight; force extract: the offence code's). Each decile row holds the
-- area's LSOAs of that decile (lsoas), those with no crime as zero; crimes with no location or
-- outside the force area lie in no LSOA and are left out, so the deciles add up to the area's
-- crimes located in an LSOA. imd_decile is null for LSOAs the indices do not cover (Wales).
-- population: ONS mid-year residents of the decile's LSOAs in the year the financial year starts
-- in (null if any lacks it). rate_per_1000: annualised (x 12 / months_covered); rate_lower/upper:
-- Garwood's exact 95% interval for counts, Fay and Feuer's for harm. rate_ratio: the decile's rate
-- over the least deprived decile's (decile 10) in the same area, year and measure, so decile 1's
-- is the most to least deprived ratio; its interval is exact conditional (counts) or Tiwari,
-- Clegg and Zou's F interval (harm), which is the exact one when every weight is 1. Null where the area has no decile 10 or its rate is 0.
-- Disclosure: a cell of 1-4 crimes is suppressed, as a ward count is, and complementary cells are
-- hidden so that neither the area's total nor the county's decile gives it away.
with

street as (
    select 'police_uk' as source, force, lsoa_code, csp_fy_start(month) as fy_start, month,
           crimes, 0 as serious_violence, 0 as domestic_abuse, harm, harm_squares, max_weight
    from street_lsoa_months
),

extract_crimes as (
    select 'force_extract' as source, force, lsoa_code, fy_start, month,
           1 as crimes,
           case when is_serious_violence then 1 else 0 end as serious_violence,
           case when is_domestic_abuse then 1 else 0 end as domestic_abuse,
           coalesce(weight, 0) as harm, coalesce(weight * weight, 0) as harm_squares, weight as max_weight
    from recorded_crime_areas
    where area_level = 'county' and not out_of_area and lsoa_code is not null
),

coverage as (
    select 'police_uk' as source, force, fy_start, months_covered
    from street_years
    union all
    select 'force_extract', force, fy_start, cast(count(distinct month) as integer)
    from recorded_crime_areas
    where area_level = 'county'
    group by force, fy_start
),

lsoa_years as (
    select source, force, lsoa_code, fy_start,
           sum(crimes) as crimes, sum(serious_violence) as serious_violence, sum(domestic_abuse) as domestic_abuse,
           sum(harm) as harm, sum(harm_squares) as harm_squares, max(max_weight) as max_weight
    from (select * from street union all select * from extract_crimes) c
    group by source, force, lsoa_code, fy_start
),

measures as (
    select * from (values ('police_uk', 'crime'), ('police_uk', 'harm'), ('force_extract', 'crime'),
                          ('force_extract', 'serious_violence'), ('force_extract', 'domestic_abuse'),
                          ('force_extract', 'harm')) as m (source, measure)
),

lsoa_values as (
    select c.source, a.force, a.area_level, a.area_code, a.area_name, a.imd_decile, a.lsoa_code, c.fy_start,
           c.months_covered, m.measure, p.population,
           cast(coalesce(case m.measure when 'crime' then y.crimes when 'serious_violence' then y.serious_violence
                                        when 'domestic_abuse' then y.domestic_abuse else y.harm end, 0) as float8) as amount,
           cast(coalesce(case m.measure when 'harm' then y.harm_squares when 'crime' then y.crimes
                                        when 'serious_violence' then y.serious_violence else y.domestic_abuse end, 0) as float8) as amount_squares,
           cast(coalesce(case m.measure when 'harm' then y.crimes when 'crime' then y.crimes
                                        when 'serious_violence' then y.serious_violence else y.domestic_abuse end, 0) as bigint) as crimes,
           case when m.measure = 'harm' then y.max_weight else 1 end as max_weight
    from lsoa_areas a
    join coverage c on c.force = a.force
    join measures m on m.source = c.source
    left join lsoa_years y on y.source = c.source and y.force = a.force and y.lsoa_code = a.lsoa_code and y.fy_start = c.fy_start
    left join ref_population p on p.lsoa_code = a.lsoa_code and p.year = c.fy_start
    where a.area_level in ('county', 'authority')
),

deciles as (
    select source, force, area_level, area_code, area_name, imd_decile, fy_start, months_covered, measure,
           cast(count(*) as integer) as lsoas,
           sum(amount) as amount, sum(amount_squares) as amount_squares, cast(sum(crimes) as bigint) as crimes,
           max(max_weight) as max_weight,
           case when count(population) = count(*) then cast(sum(population) as bigint) end as population
    from lsoa_values
    group by source, force, area_level, area_code, area_name, imd_decile, fy_start, months_covered, measure
),

final as (
    select
        source, force, area_level, area_code, area_name, csp_financial_year(fy_start) as financial_year,
        fy_start as financial_year_start, months_covered, months_covered < 12 as is_annualised, measure, imd_decile,
        lsoas, amount as count, amount_squares as count_squares, crimes, max_weight, population,
        case when population > 0 and months_covered > 0
             then amount * 1000 * 12 / months_covered / population end as rate_per_1000,
        cast(null as float8) as rate_lower,
        cast(null as float8) as rate_upper,
        cast(null as float8) as rate_ratio,
        cast(null as float8) as rate_ratio_lower,
        cast(null as float8) as rate_ratio_upper,
        cast(null as boolean) as suppressed,
        cast(null as text) as suppression
    from deciles
)

select * from final
