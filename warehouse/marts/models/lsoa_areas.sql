-- lsoa_areas: every LSOA of each force area's geography, once for each area it lies in (its
-- county, its BCU, its authority), with its 2019 ward and its IMD 2019 decile (null where the
-- indices do not cover it, as for Welsh LSOAs). The place marts start from here so that an LSOA
-- with no crime still counts, as a zero.
with

geography as (
    select g.*, i.imd_decile
    from dim_geography g
    left join ref_imd i on i.lsoa_code = g.lsoa_code
    where g.force is not null
),

final as (
    select force, 'county' as area_level, force_area_code as area_code, force_area_name as area_name,
           lsoa_code, lsoa_name, ward_code, ward_name, authority_code, authority_name, imd_decile
    from geography
    union all
    select force, 'bcu', bcu, bcu, lsoa_code, lsoa_name, ward_code, ward_name, authority_code, authority_name, imd_decile
    from geography
    where bcu is not null
    union all
    select force, 'authority', authority_code, authority_name, lsoa_code, lsoa_name, ward_code, ward_name,
           authority_code, authority_name, imd_decile
    from geography
)

select * from final
