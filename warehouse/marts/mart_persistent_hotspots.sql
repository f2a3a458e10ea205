-- mart_persistent_hotspots: LSOAs in their authority's top decile for crime, or separately for
-- ASB, in at least 9 of the last 12 months held, with their count over those months, rate per
-- 1,000 residents, IMD 2019 decile and score and 2019 ward, from data.police.uk street rows.
-- grain: force, area_code, measure, lsoa_code
-- feeds: police_uk_street, reference
-- The window is the force's newest 12 months of street data (window_start to window_end); with
-- fewer held, months_in_window says how many, and an LSOA must be in the top decile in at least
-- three quarters of them (months_required: 9 of 12, 3 of 4). Top decile in a month: fewer than
-- ceil(10% x the authority's LSOAs) of its LSOAs had more (ties at the edge are all in), and at
-- least one crime or incident. Counted by the street counting rule; rows without a location lie
-- in no LSOA. rate_per_1000: count over the window, annualised (x 12 / months_in_window), per
-- ONS mid-year resident of the year the window's last financial year starts in;
-- rate_lower/rate_upper: Garwood's exact 95% interval. A count below 5 is suppressed with its
-- rate, as a ward count would be. rank: 1 = the authority's hotspot with the most.
with

held as (
    select force, max(month) as newest
    from fact_street_crime
    group by force
),

window_months as (
    select distinct s.force, s.month
    from fact_street_crime s
    join held h on h.force = s.force
    where (extract(year from h.newest) * 12 + extract(month from h.newest))
        - (extract(year from s.month) * 12 + extract(month from s.month)) < 12
),

windows as (
    select force, min(month) as window_start, max(month) as window_end,
           cast(count(*) as integer) as months_in_window
    from window_months
    group by force
),

measures as (
    select * from (values ('crime'), ('asb')) as m (measure)
),

monthly as (
    select a.force, a.area_code, a.area_name, a.lsoa_code, a.lsoa_name, a.ward_code, a.ward_name, a.imd_decile,
           w.month, m.measure,
           coalesce(case m.measure when 'crime' then c.crimes else c.asb end, 0) as amount
    from lsoa_areas a
    join window_months w on w.force = a.force
    cross join measures m
    left join street_lsoa_months c on c.force = a.force and c.lsoa_code = a.lsoa_code and c.month = w.month
    where a.area_level = 'authority'
),

ranked as (
    select monthly.*,
           rank() over (partition by force, area_code, month, measure order by amount desc) as place,
           count(*) over (partition by force, area_code, month, measure) as area_lsoas
    from monthly
),

persistence as (
    select force, area_code, area_name, lsoa_code, lsoa_name, ward_code, ward_name, imd_decile, measure,
           cast(sum(case when amount > 0 and place <= ceil(area_lsoas / 10.0) then 1 else 0 end) as integer)
               as months_in_top_decile,
           cast(sum(amount) as bigint) as count
    from ranked
    group by force, area_code, area_name, lsoa_code, lsoa_name, ward_code, ward_name, imd_decile, measure
),

hotspots as (
    select p.*, w.window_start, w.window_end, w.months_in_window,
           cast(ceil(w.months_in_window * 0.75) as integer) as months_required
    from persistence p
    join windows w on w.force = p.force
    where p.months_in_top_decile >= ceil(w.months_in_window * 0.75)
),

final as (
    select
        h.force, 'authority' as area_level, h.area_code, h.area_name, h.measure, h.lsoa_code, h.lsoa_name,
        h.ward_code, h.ward_name, h.imd_decile, i.imd_score, h.window_start, h.window_end, h.months_in_window, h.months_required,
        h.months_in_top_decile, h.count,
        p.population,
        case when p.population > 0
             then cast(h.count as float8) * 1000 * 12 / h.months_in_window / p.population end as rate_per_1000,
        cast(null as float8) as rate_lower,
        cast(null as float8) as rate_upper,
        rank() over (partition by h.force, h.area_code, h.measure order by h.count desc) as rank,
        cast(null as boolean) as suppressed,
        cast(null as text) as suppression
    from hotspots h
    left join ref_population p on p.lsoa_code = h.lsoa_code and p.year = csp_fy_start(h.window_end)
    left join ref_imd_score i on i.lsoa_code = h.lsoa_code and i.nation = 'E'
)

select * from final
