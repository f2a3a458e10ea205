-- recorded_crime_areas: the force extract under the counting rule, one row per area it counts in.
-- Counting rule: a crime is one crime reference per force (unique within each monthly file by
-- the raw suite; should a reference reappear in a later file, its latest record counts, once).
-- Area fan-out as street_crime_areas: county, then BCU and authority or the level's remainder
-- row (area_code 'unallocated') for crimes without a location or outside the force area.
with

latest as (
    select fact_recorded_crime.*,
           row_number() over (partition by force, crime_ref order by month desc, source_row desc) as record_rank
    from fact_recorded_crime
),

counted as (
    select latest.*,
           csp_fy_start(month) as fy_start
    from latest
    where record_rank = 1
),

final as (
    select 'county' as area_level, force_area_code as area_code, force_area_name as area_name, counted.*
    from counted
    union all
    select 'bcu',
           case when not out_of_area and bcu is not null then bcu else 'unallocated' end,
           case when not out_of_area and bcu is not null then bcu else 'Not allocated to a BCU' end,
           counted.*
    from counted
    union all
    select 'authority',
           case when not out_of_area and authority_code is not null then authority_code else 'unallocated' end,
           case when not out_of_area and authority_code is not null then authority_name else 'Not allocated to an authority' end,
           counted.*
    from counted
)

select * from final
