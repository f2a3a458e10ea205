-- area_population: residents of each county, BCU and authority by calendar year (ONS mid-year
-- estimates summed over the area's LSOAs). Null when any LSOA of the area lacks that year's
-- estimate: never a partial sum. The remainder rows have no residents and no row here.
with

geography as (
    select * from dim_geography where force is not null
),

area_lsoas as (
    select force, 'county' as area_level, force_area_code as area_code, lsoa_code from geography
    union all
    select force, 'bcu', bcu, lsoa_code from geography where bcu is not null
    union all
    select force, 'authority', authority_code, lsoa_code from geography
),

final as (
    select a.force, a.area_level, a.area_code, y.year,
           case when count(p.population) = count(*) then cast(sum(p.population) as bigint) end as population
    from area_lsoas a
    cross join (select distinct year from ref_population) y
    left join ref_population p on p.lsoa_code = a.lsoa_code and p.year = y.year
    group by a.force, a.area_level, a.area_code, y.year
)

select * from final
