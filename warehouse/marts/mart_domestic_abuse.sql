-- mart_domestic_abuse (E4): domestic abuse as a share of all recorded crime, the share of it
-- that is alcohol-related, and the share of its victims who are male, by area and year.
-- grain: force, area_level, area_code, financial_year
-- feeds: recorded_crime
-- Crimes are counted by the force extract's counting rule (one crime reference); areas include
-- the remainder rows (area_code 'unallocated'). Victim shares are of domestic abuse crimes with a
-- recorded victim sex of M or F. Every share has a Wilson 95% interval (<share>_lower/_upper).
-- Ranks (1 = highest) are among the authorities of one force in one year, remainder left out:
-- share_rank by domestic abuse share, alcohol_share_rank by alcohol-related share.
with

area_rows as (
    select * from recorded_crime_areas
),

counted as (
    select
        force, area_level, area_code, area_name, fy_start,
        count(*) as crimes,
        sum(case when is_domestic_abuse then 1 else 0 end) as domestic_abuse,
        sum(case when is_domestic_abuse and is_alcohol_related then 1 else 0 end) as alcohol_related,
        sum(case when is_domestic_abuse and victim_sex in ('M', 'F') then 1 else 0 end) as victims_with_sex,
        sum(case when is_domestic_abuse and victim_sex = 'M' then 1 else 0 end) as male_victims
    from area_rows
    group by force, area_level, area_code, area_name, fy_start
),

coverage as (
    select distinct force, fy_start, months_covered from recorded_crime_calendar
),

filled as (
    select a.force, a.area_level, a.area_code, a.area_name, v.fy_start, v.months_covered,
           coalesce(c.crimes, 0) as crimes, coalesce(c.domestic_abuse, 0) as domestic_abuse,
           coalesce(c.alcohol_related, 0) as alcohol_related, coalesce(c.victims_with_sex, 0) as victims_with_sex,
           coalesce(c.male_victims, 0) as male_victims
    from recorded_crime_area_list a
    join coverage v on v.force = a.force
    left join counted c
        on c.force = a.force and c.area_level = a.area_level and c.area_code = a.area_code and c.fy_start = v.fy_start
),

shares as (
    select
        c.force, c.area_level, c.area_code, c.area_name, c.fy_start, c.months_covered,
        cast(c.crimes as bigint) as crimes, cast(c.domestic_abuse as bigint) as domestic_abuse,
        case when c.crimes > 0 then cast(c.domestic_abuse as float8) / c.crimes end as domestic_abuse_share,
        cast(c.alcohol_related as bigint) as alcohol_related,
        case when c.domestic_abuse > 0 then cast(c.alcohol_related as float8) / c.domestic_abuse end as alcohol_share,
        cast(c.male_victims as bigint) as male_victims, cast(c.victims_with_sex as bigint) as victims_with_sex,
        case when c.victims_with_sex > 0 then cast(c.male_victims as float8) / c.victims_with_sex end as male_victim_share,
        c.area_level = 'authority' and c.area_code <> 'unallocated' as is_ranked
    from filled c
),

final as (
    select
        force, area_level, area_code, area_name,
        csp_financial_year(fy_start) as financial_year,
        fy_start as financial_year_start, months_covered, months_covered < 12 as is_part_year,
        crimes, domestic_abuse, domestic_abuse_share,
        cast(null as float8) as domestic_abuse_share_lower, cast(null as float8) as domestic_abuse_share_upper,
        alcohol_related, alcohol_share,
        cast(null as float8) as alcohol_share_lower, cast(null as float8) as alcohol_share_upper,
        male_victims, victims_with_sex, male_victim_share,
        cast(null as float8) as male_victim_share_lower, cast(null as float8) as male_victim_share_upper,
        case when is_ranked then rank() over (partition by force, is_ranked, fy_start
                                              order by domestic_abuse_share desc nulls last) end as share_rank,
        case when is_ranked then rank() over (partition by force, is_ranked, fy_start
                                              order by alcohol_share desc nulls last) end as alcohol_share_rank
    from shares
)

select * from final
