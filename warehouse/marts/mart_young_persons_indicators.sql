-- mart_young_persons_indicators (E10): the Trading Standards Young Persons Survey indicators by
-- wave, area and gender, with the previous wave's value and the change. period_start/period_end:
-- the wave's first and last completed questionnaire; months_covered: the months between, both
-- included.
-- grain: wave, area_level, area_name, gender, indicator
-- feeds: trading_standards, reference
-- Areas: county (every authority), lancashire_12 (the two-tier county's districts, without the
-- unitaries) and each authority (area_code: the ONS code; 'lancashire_12' for the districts
-- together, which no single ONS area is); gender 'All' or one of the survey's genders. Each indicator is
-- numerator / denominator as the contract defines it ('Prefer not to say' and 'Don't know' left
-- out of the knife questions' denominators); mean_units_per_week is total units / drinkers who
-- gave a figure, with value_sd the standard deviation of those figures. value_lower/value_upper:
-- Wilson 95% interval for a proportion, Student's t 95% interval for the mean. change: the
-- difference from the previous wave loaded, where both waves publish a value; change_p_value:
-- the two-proportion z-test (proportions) or Welch's t-test (the mean), change_significant at 95%.
-- Disclosure control (warehouse.disclosure, applied after this SELECT): a denominator of 1-9
-- pupils hides the cell; a numerator of 1-9 pupils hides numerator and value; then
-- complementary cells are hidden so that no hidden value is the difference of published ones
-- across gender ('All' = the genders) or area (county = its authorities = Lancashire-12 and the
-- unitaries). suppressed is true on every hidden cell; suppression says 'primary' or 'secondary'.
with

authorities as (
    select distinct authority_code, force_area_name from dim_geography
),

responses as (
    select r.*, a.force_area_name
    from fact_young_persons_response r
    left join authorities a on a.authority_code = r.authority_code
),

answers as (
    select wave, force_area_name, is_lancashire_12, authority_name, gender,
           'drinks_alcohol' as indicator, 1 as den, case when drinks_alcohol then 1.0 else 0.0 end as num
    from responses
    union all
    select wave, force_area_name, is_lancashire_12, authority_name, gender, 'mean_units_per_week', 1, units_per_week
    from responses where drinks_alcohol and units_per_week is not null
    union all
    select wave, force_area_name, is_lancashire_12, authority_name, gender, 'drinks_with_parents', 1,
           case when drinks_with_parents then 1.0 else 0.0 end
    from responses where drinks_alcohol
    union all
    select wave, force_area_name, is_lancashire_12, authority_name, gender, 'alcohol_from_family', 1,
           case when source_parents or source_other_family then 1.0 else 0.0 end
    from responses where drinks_alcohol
    union all
    select wave, force_area_name, is_lancashire_12, authority_name, gender, 'bought_alcohol_self', 1,
           case when source_bought_self then 1.0 else 0.0 end
    from responses where drinks_alcohol
    union all
    select wave, force_area_name, is_lancashire_12, authority_name, gender, 'asked_for_id', 1,
           case when asked_for_id then 1.0 else 0.0 end
    from responses where tried_to_buy_alcohol and asked_for_id is not null
    union all
    select wave, force_area_name, is_lancashire_12, authority_name, gender, 'drinks_due_to_peer_pressure', 1,
           case when drinks_due_to_peer_pressure then 1.0 else 0.0 end
    from responses where drinks_alcohol
    union all
    select wave, force_area_name, is_lancashire_12, authority_name, gender, 'drinks_to_get_drunk', 1,
           case when drinks_to_get_drunk then 1.0 else 0.0 end
    from responses where drinks_alcohol
    union all
    select wave, force_area_name, is_lancashire_12, authority_name, gender, 'worried_drink_spiked', 1,
           case when worried_drink_spiked then 1.0 else 0.0 end
    from responses
    union all
    select wave, force_area_name, is_lancashire_12, authority_name, gender, 'smokes', 1,
           case when smoking_status in ('Smoke occasionally', 'Smoke regularly') then 1.0 else 0.0 end
    from responses
    union all
    select wave, force_area_name, is_lancashire_12, authority_name, gender, 'vapes', 1,
           case when vaping_status in ('Smoke occasionally', 'Smoke regularly') then 1.0 else 0.0 end
    from responses
    union all
    select wave, force_area_name, is_lancashire_12, authority_name, gender, 'witnessed_knife_incident', 1,
           case when witnessed_knife_incident = 'Yes' then 1.0 else 0.0 end
    from responses where witnessed_knife_incident in ('Yes', 'No')
    union all
    select wave, force_area_name, is_lancashire_12, authority_name, gender, 'purchased_knife', 1,
           case when purchased_knife = 'Yes' then 1.0 else 0.0 end
    from responses where purchased_knife in ('Yes', 'No')
    union all
    select wave, force_area_name, is_lancashire_12, authority_name, gender, 'knife_crime_issue_where_live', 1,
           case when knife_crime_issue_where_live = 'Yes' then 1.0 else 0.0 end
    from responses where knife_crime_issue_where_live in ('Yes', 'No')
    union all
    select wave, force_area_name, is_lancashire_12, authority_name, gender, 'worried_about_knives', 1,
           case when worried_about_knives then 1.0 else 0.0 end
    from responses
    union all
    select wave, force_area_name, is_lancashire_12, authority_name, gender, 'carried_knife', 1,
           case when carried_knife = 'Yes' then 1.0 else 0.0 end
    from responses where carried_knife in ('Yes', 'No')
),

answer_areas as (
    select wave, 'county' as area_level, force_area_name as area_name, gender, indicator, den, num
    from answers where force_area_name is not null
    union all
    select wave, 'lancashire_12', 'Lancashire-12', gender, indicator, den, num
    from answers where is_lancashire_12
    union all
    select wave, 'authority', authority_name, gender, indicator, den, num
    from answers
),

answer_genders as (
    select wave, area_level, area_name, 'All' as gender, indicator, den, num from answer_areas
    union all
    select wave, area_level, area_name, gender, indicator, den, num from answer_areas
),

cells as (
    select wave, area_level, area_name, gender, indicator,
           cast(sum(num) as float8) as numerator, cast(sum(den) as bigint) as denominator,
           cast(sum(num * num) as float8) as squares
    from answer_genders
    group by wave, area_level, area_name, gender, indicator
),

waves as (
    select wave, lag(wave) over (order by wave) as previous_wave, period_start, period_end,
           cast((extract(year from period_end) - extract(year from period_start)) * 12
                + extract(month from period_end) - extract(month from period_start) + 1 as integer) as months_covered
    from (select wave, min(completed_on) as period_start, max(completed_on) as period_end
          from responses group by wave) w
),

area_codes as (
    select distinct 'county' as area_level, force_area_name as area_name, force_area_code as area_code from dim_geography
    union all
    select distinct 'authority', authority_name, authority_code from dim_geography
),

areas as (
    select distinct a.area_level, a.area_name,
           case when a.area_level = 'lancashire_12' then 'lancashire_12' else c.area_code end as area_code
    from answer_areas a
    left join area_codes c on c.area_level = a.area_level and c.area_name = a.area_name
),

genders as (
    select * from (values ('All'), ('Female'), ('Male'), ('Other'), ('Prefer not to say')) as g (gender)
),

indicators as (
    select * from (values
        ('drinks_alcohol'), ('mean_units_per_week'), ('drinks_with_parents'), ('alcohol_from_family'),
        ('bought_alcohol_self'), ('asked_for_id'), ('drinks_due_to_peer_pressure'), ('drinks_to_get_drunk'),
        ('worried_drink_spiked'), ('smokes'), ('vapes'), ('witnessed_knife_incident'), ('purchased_knife'),
        ('knife_crime_issue_where_live'), ('worried_about_knives'), ('carried_knife')
    ) as i (indicator)
),

grid as (
    select w.wave, w.previous_wave, w.period_start, w.period_end, w.months_covered, a.area_level, a.area_code, a.area_name,
           g.gender, i.indicator,
           coalesce(c.numerator, 0) as numerator, coalesce(c.denominator, 0) as denominator, c.squares
    from waves w
    cross join areas a
    cross join genders g
    cross join indicators i
    left join cells c
        on c.wave = w.wave and c.area_level = a.area_level and c.area_name = a.area_name
       and c.gender = g.gender and c.indicator = i.indicator
),

final as (
    select
        wave, previous_wave, period_start, period_end, months_covered, area_level, area_code, area_name, gender, indicator,
        numerator, denominator,
        case when denominator > 0 then cast(numerator as float8) / denominator end as value,
        -- the sample standard deviation of the answers, for the mean's interval and test
        case when indicator = 'mean_units_per_week' and denominator > 1
             then sqrt(greatest(squares - numerator * numerator / denominator, 0) / (denominator - 1)) end as value_sd,
        cast(null as float8) as value_lower,
        cast(null as float8) as value_upper,
        cast(null as float8) as previous_wave_value,
        cast(null as float8) as change,
        cast(null as float8) as change_p_value,
        cast(null as boolean) as change_significant,
        cast(null as boolean) as suppressed,
        cast(null as text) as suppression
    from grid
)

select * from final
