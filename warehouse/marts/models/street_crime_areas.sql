-- street_crime_areas: data.police.uk street rows under the counting rule, one row per area they
-- count in. Counting rule: a crime is one Crime ID per force per month (the first of its repeated
-- rows, crime_id_occurrence = 1); an ASB row has no ID and is one incident.
-- Each counted row appears once at every area level: its county (force area); its BCU and its
-- authority, or the level's remainder row (area_code 'unallocated') when it has no location or
-- lies outside the force area. So the authorities plus the remainder equal the county.
with

counted as (
    select force, force_area_code, force_area_name, month, crime_type, last_outcome_category, is_asb, out_of_area,
           authority_code, authority_name, bcu, lsoa_code,
           csp_fy_start(month) as fy_start
    from fact_street_crime
    where is_asb or crime_id_occurrence = 1
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
