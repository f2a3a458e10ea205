-- mart_domestic_abuse (E4): domestic abuse as a share of all recorded crime, the share of it
-- that is alcohol-related, and the share of its victims who are male, by area and year.
-- grain: one row per force, area_level, area_code, financial_year
-- feeds: recorded_crime
-- Victim shares are of domestic abuse crimes with a recorded victim sex of M or F.
with

crimes as (
    select
        force, force_area_code, force_area_name, month, out_of_area, authority_code, authority_name, bcu,
        is_domestic_abuse, is_alcohol_related, victim_sex,
        case when extract(month from month) >= 4 then cast(extract(year from month) as integer)
             else cast(extract(year from month) as integer) - 1 end as fy_start
    from fact_recorded_crime
),

area_rows as (
    select 'county' as area_level, force_area_code as area_code, force_area_name as area_name, crimes.* from crimes
    union all
    select 'bcu', bcu, bcu, crimes.* from crimes where not out_of_area and bcu is not null
    union all
    select 'authority', authority_code, authority_name, crimes.* from crimes where not out_of_area and authority_code is not null
),

counted as (
    select
        force, area_level, area_code, area_name, fy_start,
        count(distinct month) as months_covered,
        count(*) as crimes,
        sum(case when is_domestic_abuse then 1 else 0 end) as domestic_abuse,
        sum(case when is_domestic_abuse and is_alcohol_related then 1 else 0 end) as alcohol_related,
        sum(case when is_domestic_abuse and victim_sex in ('M', 'F') then 1 else 0 end) as victims_with_sex,
        sum(case when is_domestic_abuse and victim_sex = 'M' then 1 else 0 end) as male_victims
    from area_rows
    group by force, area_level, area_code, area_name, fy_start
),

final as (
    select
        force, area_level, area_code, area_name,
        cast(fy_start as text) || '/' || right(cast(fy_start + 1 as text), 2) as financial_year,
        fy_start as financial_year_start, months_covered,
        crimes, domestic_abuse,
        case when crimes > 0 then cast(domestic_abuse as float8) / crimes end as domestic_abuse_share,
        alcohol_related,
        case when domestic_abuse > 0 then cast(alcohol_related as float8) / domestic_abuse end as alcohol_share,
        male_victims, victims_with_sex,
        case when victims_with_sex > 0 then cast(male_victims as float8) / victims_with_sex end as male_victim_share,
        rank() over (partition by area_level, fy_start order by
                     case when crimes > 0 then cast(domestic_abuse as float8) / crimes end desc nulls last) as share_rank
    from counted
)

select * from final
