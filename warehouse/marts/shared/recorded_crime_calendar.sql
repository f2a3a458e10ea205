-- recorded_crime_calendar: the months the force extract holds, one row per force and month, with
-- the financial year's months_covered and what a like-for-like change may compare: previous_month
-- (the same month a year earlier, when the extract holds it) and comparable_months (how many of
-- the year's months have one; null when none). Reads recorded_crime_areas (use it first).
with

months as (
    select distinct force, fy_start, month from recorded_crime_areas where area_level = 'county'
),

final as (
    select cur.force, cur.fy_start, cur.month, prev.month as previous_month,
           cast(count(*) over (partition by cur.force, cur.fy_start) as integer) as months_covered,
           cast(nullif(count(prev.month) over (partition by cur.force, cur.fy_start), 0) as integer) as comparable_months
    from months cur
    left join months prev
        on prev.force = cur.force and prev.fy_start = cur.fy_start - 1
       and extract(month from prev.month) = extract(month from cur.month)
)

select * from final
