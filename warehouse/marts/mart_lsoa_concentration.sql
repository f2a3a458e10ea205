-- mart_lsoa_concentration: how much of an area's crime, ASB and harm its busiest LSOAs hold: the
-- share in the top 1%, 5% and 10% of its LSOAs, and how many LSOAs hold half, by force, area
-- (county, BCU, authority) and financial year, from data.police.uk street rows.
-- grain: force, area_level, area_code, financial_year, measure, top_percent
-- feeds: police_uk_street, reference
-- measure: 'crime' (crimes under the street counting rule), 'asb' (incidents) or 'harm' (the
-- crimes' police.uk type weights). The top group is the ceil(top_percent% x the area's LSOAs)
-- LSOAs with the most, every LSOA of the area counted, those with none as zero; LSOAs tied at its
-- edge hold equal amounts, so which of them is taken does not change the share. total is what
-- the area's LSOAs hold: rows with no location or outside the force area lie in none of them and
-- are left out (mart_area_rates counts them in its remainder row).
-- share_lower/share_upper: 95% interval given the LSOAs chosen (Wilson for crime and ASB; for
-- harm the F interval of the top group's weighted sum against the rest's, Tiwari et al. 2006). A share over fewer than 5 crimes or incidents in
-- the top group is suppressed, as a ward count would be.
with

coverage as (
    select * from street_years
),

lsoa_years as (
    select force, lsoa_code, csp_fy_start(month) as fy_start,
           sum(crimes) as crimes, sum(asb) as asb, sum(harm) as harm, sum(harm_squares) as harm_squares,
           max(max_weight) as max_weight
    from street_lsoa_months
    group by force, lsoa_code, csp_fy_start(month)
),

measures as (
    select * from (values ('crime'), ('asb'), ('harm')) as m (measure)
),

-- every LSOA of every area in every year the force has street data, with what it holds (0 if none)
lsoa_values as (
    select a.force, a.area_level, a.area_code, a.area_name, a.lsoa_code, c.fy_start, c.months_covered, m.measure,
           cast(coalesce(case m.measure when 'crime' then y.crimes when 'asb' then y.asb else y.harm end, 0) as float8) as amount,
           cast(coalesce(case m.measure when 'crime' then y.crimes when 'asb' then y.asb else y.harm_squares end, 0) as float8) as amount_squares,
           cast(coalesce(case m.measure when 'harm' then y.crimes when 'crime' then y.crimes else y.asb end, 0) as bigint) as events,
           case when m.measure = 'harm' then y.max_weight else 1 end as max_weight
    from lsoa_areas a
    join coverage c on c.force = a.force
    cross join measures m
    left join lsoa_years y on y.force = a.force and y.lsoa_code = a.lsoa_code and y.fy_start = c.fy_start
),

ranked as (
    select lsoa_values.*,
           row_number() over (partition by force, area_level, area_code, fy_start, measure
                              order by amount desc, lsoa_code) as place,
           count(*) over (partition by force, area_level, area_code, fy_start, measure) as area_lsoas,
           sum(amount) over (partition by force, area_level, area_code, fy_start, measure) as total,
           sum(amount) over (partition by force, area_level, area_code, fy_start, measure
                             order by amount desc, lsoa_code rows between unbounded preceding and current row) as running
    from lsoa_values
),

half as (
    select force, area_level, area_code, fy_start, measure, cast(min(place) as integer) as lsoas_holding_half
    from ranked
    where total > 0 and running >= total / 2
    group by force, area_level, area_code, fy_start, measure
),

tops as (
    select r.*, p.top_percent, cast(ceil(r.area_lsoas * p.top_percent / 100.0) as integer) as top_lsoas
    from ranked r
    cross join (values (1), (5), (10)) as p (top_percent)
),

final as (
    select
        t.force, t.area_level, t.area_code, t.area_name,
        csp_financial_year(t.fy_start) as financial_year, t.fy_start as financial_year_start,
        t.months_covered, t.months_covered < 12 as is_part_year, t.measure, t.top_percent,
        cast(max(t.area_lsoas) as integer) as area_lsoas,
        max(t.top_lsoas) as lsoas,
        sum(case when t.place <= t.top_lsoas then t.amount else 0 end) as in_top,
        sum(case when t.place <= t.top_lsoas then t.amount_squares else 0 end) as in_top_squares,
        cast(sum(case when t.place <= t.top_lsoas then t.events else 0 end) as bigint) as events_in_top,
        max(t.total) as total,
        sum(t.amount_squares) as total_squares,
        max(t.max_weight) as max_weight,
        case when max(t.total) > 0
             then sum(case when t.place <= t.top_lsoas then t.amount else 0 end) / max(t.total) end as share,
        cast(null as float8) as share_lower,
        cast(null as float8) as share_upper,
        max(h.lsoas_holding_half) as lsoas_holding_half,
        cast(null as boolean) as suppressed,
        cast(null as text) as suppression
    from tops t
    left join half h
        on h.force = t.force and h.area_level = t.area_level and h.area_code = t.area_code
       and h.fy_start = t.fy_start and h.measure = t.measure
    group by t.force, t.area_level, t.area_code, t.area_name, t.fy_start, t.months_covered, t.measure, t.top_percent
)

select * from final
