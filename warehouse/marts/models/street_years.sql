-- street_years: the financial years each force's data.police.uk street rows cover, with how many
-- of their months are held (months_covered; 12 = a full year).
with

final as (
    select force, csp_fy_start(month) as fy_start, cast(count(distinct month) as integer) as months_covered
    from fact_street_crime
    group by force, csp_fy_start(month)
)

select * from final
