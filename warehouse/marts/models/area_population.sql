-- area_population: residents of each county, BCU and authority by calendar year (ONS mid-year
-- estimates summed over the area's LSOAs). Null when any LSOA of the area lacks that year's
-- estimate: never a partial sum. The remainder rows have no residents and no row here.
with

final as (
    select a.force, a.area_level, a.area_code, y.year,
           case when count(p.population) = count(*) then cast(sum(p.population) as bigint) end as population
    from lsoa_areas a
    cross join (select distinct year from ref_population) y
    left join ref_population p on p.lsoa_code = a.lsoa_code and p.year = y.year
    group by a.force, a.area_level, a.area_code, y.year
)

select * from final
