-- recorded_crime_calendar: the months the force extract holds, one row per force and month, with
-- the financial year's months_covered and what a like-for-like change may compare: previous_month
-- (the same month a year earlier, when the extract holds it), comparable_months (how many of the
-- year's months have one; null when none) and change_basis ('full year', or the months compared,
-- e.g. 'Apr, May, Jun, Jul of both years'). Reads recorded_crime_areas.
with

months as (
    select distinct force, fy_start, month from recorded_crime_areas where area_level = 'county'
),

month_names as (
    select * from (values (1, 'Jan'), (2, 'Feb'), (3, 'Mar'), (4, 'Apr'), (5, 'May'), (6, 'Jun'), (7, 'Jul'),
                          (8, 'Aug'), (9, 'Sep'), (10, 'Oct'), (11, 'Nov'), (12, 'Dec')) as m (month_number, month_name)
),

paired as (
    select cur.force, cur.fy_start, cur.month, prev.month as previous_month
    from months cur
    left join months prev
        on prev.force = cur.force and prev.fy_start = cur.fy_start - 1
       and extract(month from prev.month) = extract(month from cur.month)
),

years as (
    select p.force, p.fy_start, cast(count(*) as integer) as months_covered,
           cast(nullif(count(p.previous_month), 0) as integer) as comparable_months,
           string_agg(case when p.previous_month is not null then n.month_name end, ', ' order by p.month) as months_listed
    from paired p
    join month_names n on n.month_number = extract(month from p.month)
    group by p.force, p.fy_start
),

final as (
    select p.force, p.fy_start, p.month, p.previous_month, y.months_covered, y.comparable_months,
           case when y.comparable_months is null then null
                when y.comparable_months = 12 then 'full year'
                else y.months_listed || ' of both years' end as change_basis
    from paired p
    join years y on y.force = p.force and y.fy_start = p.fy_start
)

select * from final
