-- recorded_crime_area_list: every area the force extract counts in, with both remainder rows
-- always stated (zero included), so a filled mart shows the remainder even in a year without one.
-- Reads recorded_crime_areas.
select distinct force, area_level, area_code, area_name from recorded_crime_areas
union
select distinct force, 'bcu', 'unallocated', 'Not allocated to a BCU' from recorded_crime_areas
union
select distinct force, 'authority', 'unallocated', 'Not allocated to an authority' from recorded_crime_areas
