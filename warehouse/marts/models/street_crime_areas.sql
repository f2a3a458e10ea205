-- street_crime_areas: data.police.uk street rows under the counting rule, counted by force, month,
-- crime type and last outcome in each area they count in (crimes: how many they are). Counting
-- rule: a crime is one Crime ID per force per month (the first of its repeated rows,
-- crime_id_occurrence = 1); an ASB row has no ID and is one incident.
-- Each count appears once at every area level: its county (force area); its BCU and its
-- authority, or the level's remainder row (area_code 'unallocated') when it has no location or
-- lies outside the force area. So the authorities plus the remainder equal the county.
-- Rows are counted before they are fanned out to the three levels: the national archive's 18M rows
-- become a few million counts, which every mart then groups within the memory limit.
with

grouped as (
    select force, force_area_code, force_area_name, month, crime_type, last_outcome_category, is_asb, out_of_area,
           authority_code, authority_name, bcu, count(*) as crimes
    from fact_street_crime
    where is_asb or crime_id_occurrence = 1
    group by force, force_area_code, force_area_name, month, crime_type, last_outcome_category, is_asb, out_of_area,
             authority_code, authority_name, bcu
),

counted as (
    select grouped.*, csp_fy_start(month) as fy_start
    from grouped
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
