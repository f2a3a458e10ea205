-- ho_csp_areas: the Home Office CSP tables, one row per published figure per area it counts in.
-- Counting rule: the published figure (offences), negative corrections included. month is the
-- first month of the row's period and span its length (3 for a quarter, 12 for a year). A CSP's
-- force area is its county; a CSP without a BCU or authority falls to the remainder row.
with

csp_forces as (
    select distinct csp_code, force, force_area_code, force_area_name from dim_geography where csp_code is not null
),

dated as (
    select h.*, g.force, g.force_area_code, g.force_area_name,
           cast(left(h.financial_year, 4) as integer) as fy_start,
           case when h.financial_quarter is null then 12 else 3 end as span
    from fact_ho_csp_crime h
    join csp_forces g on g.csp_code = h.csp_code
),

counted as (
    select dated.*,
           case financial_quarter when 2 then make_date(fy_start, 7, 1) when 3 then make_date(fy_start, 10, 1)
                                  when 4 then make_date(fy_start + 1, 1, 1) else make_date(fy_start, 4, 1) end as month
    from dated
),

final as (
    select 'county' as area_level, force_area_code as area_code, force_area_name as area_name, counted.*
    from counted
    union all
    select 'bcu', coalesce(bcu, 'unallocated'), coalesce(bcu, 'Not allocated to a BCU'), counted.*
    from counted
    union all
    select 'authority', coalesce(authority_code, 'unallocated'),
           case when authority_code is null then 'Not allocated to an authority' else authority_name end, counted.*
    from counted
)

select * from final
