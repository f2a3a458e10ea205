-- mart_victim_offender_profile (E6): victims and suspects by offence group, sex and age band
-- (bands from ref_age_bands, set 'victim_offender', covering every age), with each cell's share
-- of its offence group and role, and the modal age band flagged. offence_group is a Home Office
-- offence group, 'All offences', or one of the sets the assessment profiles across groups:
-- 'Domestic abuse', 'Rape', 'Knife crime', 'Homicide' (a crime can be in a group and in sets).
-- grain: force, area_level, area_code, financial_year, offence_group, role, sex, age_band
-- feeds: recorded_crime, reference
-- People with neither age nor sex recorded (crimes against society or business, unknown
-- suspects) are left out; a missing age is the band 'Unknown', never a guess. Crimes are
-- counted by the force extract's counting rule; authorities include the remainder row. sex is
-- the recorded sex (F, M, U, 'Unknown' where not recorded) or 'All', the sum of the sexes.
-- share: of the offence group and role's people (the sexes' shares add to 1, as the 'All' rows'
-- do); is_modal_band: the band with most people of every sex (Unknown never modal).
-- share_lower/share_upper: Wilson 95% interval of share.
with

crimes as (
    select force, area_level, area_code, area_name, fy_start, month,
           coalesce(offence_group, 'Unclassified') as offence_group,
           victim_age, victim_sex, suspect_age, suspect_sex
    from recorded_crime_areas
    where area_level in ('county', 'authority')
    union all
    -- the sets the assessment profiles across offence groups (a crime can be in several)
    select force, area_level, area_code, area_name, fy_start, month, s.offence_set,
           victim_age, victim_sex, suspect_age, suspect_sex
    from recorded_crime_areas c
    join (values ('Domestic abuse'), ('Rape'), ('Knife crime'), ('Homicide')) as s (offence_set)
        on (s.offence_set = 'Domestic abuse' and c.is_domestic_abuse)
        or (s.offence_set = 'Rape' and c.offence_subgroup = 'Rape')
        or (s.offence_set = 'Knife crime' and c.is_knife_crime)
        or (s.offence_set = 'Homicide' and c.offence_subgroup = 'Homicide')
    where c.area_level in ('county', 'authority')
),

coverage as (
    select distinct force, fy_start, months_covered from recorded_crime_calendar
),

people as (
    select force, area_level, area_code, area_name, fy_start,
           offence_group, 'victim' as role, coalesce(victim_sex, 'Unknown') as sex, victim_age as age
    from crimes where victim_age is not null or victim_sex is not null
    union all
    select force, area_level, area_code, area_name, fy_start,
           offence_group, 'suspect', coalesce(suspect_sex, 'Unknown'), suspect_age
    from crimes where suspect_age is not null or suspect_sex is not null
),

grouped as (
    select people.* from people
    union all
    select force, area_level, area_code, area_name, fy_start, 'All offences', role, sex, age
    from people
    where offence_group not in ('Domestic abuse', 'Rape', 'Knife crime', 'Homicide')
),

bands as (
    select label, min_age, max_age from ref_age_bands where band_set = 'victim_offender'
),

banded as (
    select g.*, coalesce(b.label, 'Unknown') as age_band
    from grouped g
    left join bands b on g.age between b.min_age and b.max_age
),

-- each band for both sexes together as well ('All'), so a reader never adds the sexes up
area_rows as (
    select * from banded
    union all
    select force, area_level, area_code, area_name, fy_start, offence_group, role, 'All', age, age_band from banded
),

counts as (
    select force, area_level, area_code, area_name, fy_start, offence_group, role, sex, age_band, count(*) as people
    from area_rows
    group by force, area_level, area_code, area_name, fy_start, offence_group, role, sex, age_band
),

band_totals as (
    select force, area_level, area_code, fy_start, offence_group, role, age_band, sum(people) as band_people,
           rank() over (partition by force, area_level, area_code, fy_start, offence_group, role
                        order by case when age_band = 'Unknown' then -1 else sum(people) end desc) as band_rank
    from counts
    where sex <> 'All'
    group by force, area_level, area_code, fy_start, offence_group, role, age_band
),

role_totals as (
    select force, area_level, area_code, fy_start, offence_group, role, sum(people) as role_people
    from counts
    where sex <> 'All'
    group by force, area_level, area_code, fy_start, offence_group, role
),

final as (
    select
        c.force, c.area_level, c.area_code, c.area_name,
        csp_financial_year(c.fy_start) as financial_year,
        c.fy_start as financial_year_start, v.months_covered, v.months_covered < 12 as is_part_year, c.offence_group, c.role, c.sex, c.age_band, c.people,
        cast(c.people as float8) / r.role_people as share,
        r.role_people,
        cast(null as float8) as share_lower,
        cast(null as float8) as share_upper,
        b.band_rank = 1 and c.age_band <> 'Unknown' as is_modal_band
    from counts c
    join role_totals r
        on r.force = c.force and r.area_level = c.area_level and r.area_code = c.area_code
       and r.fy_start = c.fy_start and r.offence_group = c.offence_group and r.role = c.role
    join band_totals b
        on b.force = c.force and b.area_level = c.area_level and b.area_code = c.area_code
       and b.fy_start = c.fy_start and b.offence_group = c.offence_group and b.role = c.role
       and b.age_band = c.age_band
    join coverage v on v.force = c.force and v.fy_start = c.fy_start
)

select * from final
