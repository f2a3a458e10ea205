-- street_lsoa_months: data.police.uk crimes, ASB incidents and harm per LSOA of the force area and
-- month, under the street counting rule (a crime is one Crime ID per force per month, an ASB row
-- one incident). Harm is the crimes' police.uk type weights (ref_css_weights_policeuk); a type
-- without a weight adds no harm. Rows with no location or outside the force area lie in no LSOA
-- of it: the area marts count them in their remainder rows, and the place marts state that they
-- leave them out.
with

counted as (
    select s.force, s.month, s.lsoa_code, s.is_asb, w.weight
    from fact_street_crime s
    left join ref_css_weights_policeuk w on w.police_uk_crime_type = s.crime_type
    where (s.is_asb or s.crime_id_occurrence = 1)
      and not s.out_of_area
      and s.lsoa_code is not null
),

final as (
    select force, month, lsoa_code,
           sum(case when is_asb then 0 else 1 end) as crimes,
           sum(case when is_asb then 1 else 0 end) as asb,
           sum(case when is_asb then 0 else coalesce(weight, 0) end) as harm,
           sum(case when is_asb then 0 else coalesce(weight * weight, 0) end) as harm_squares,
           max(case when is_asb then null else weight end) as max_weight
    from counted
    group by force, month, lsoa_code
)

select * from final
