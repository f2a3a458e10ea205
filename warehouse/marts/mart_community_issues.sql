-- mart_community_issues (E9): the community issues Lancashire Talking residents rank highest, for
-- the county, each BCU, each authority and each ward, from the current version of every response.
-- grain: area_level, area_code, issue_category, issue_detail
-- feeds: itk, reference
-- responses: responses in the area naming the issue (a category counts once per response);
-- share = responses / total_responses; priority_score: the points its mentions earn (rank 1 = 5
-- ... rank 5 = 1; a category takes its best-ranked mention in each response); rank: by share
-- within the area (categories among categories, details among details), then by priority_score.
-- Every issue named anywhere appears in every area (zero where nobody named it); issue_detail is
-- null on category rows. period_start/period_end: the first and last submission counted;
-- months_covered: the calendar months from the first to the last, both included.
-- share_lower/share_upper: Wilson 95% interval of share.
-- Disclosure control (warehouse.disclosure, applied after this SELECT): an area with 1-9
-- responses publishes no figure; a cell of 1-9 responses publishes no responses, share,
-- priority_score or rank; then complementary cells are hidden so that no hidden value is the
-- difference of published ones across the area hierarchy (county, BCU, authority, ward).
-- suppressed is true on every hidden cell; suppression says 'primary' or 'secondary'.
with

ward_areas as (
    select distinct ward_code, force_area_code, force_area_name
    from dim_geography
    where ward_code is not null
),

responses as (
    select r.response_id, r.submitted_at, r.ward_code, r.ward_name, r.authority_code, r.authority_name, r.bcu,
           w.force_area_code, w.force_area_name
    from fact_itk_response r
    left join ward_areas w on w.ward_code = r.ward_code
),

response_areas as (
    select response_id, 'county' as area_level, force_area_code as area_code, force_area_name as area_name
    from responses
    where force_area_code is not null
    union all
    select response_id, 'bcu', bcu, bcu from responses where bcu is not null
    union all
    select response_id, 'authority', authority_code, authority_name from responses
    union all
    select response_id, 'ward', ward_code, ward_name from responses
),

area_totals as (
    select area_level, area_code, area_name, count(*) as total_responses
    from response_areas
    group by area_level, area_code, area_name
),

category_mentions as (
    select response_id, issue_category, cast(null as text) as issue_detail, max(priority_points) as points
    from fact_itk_response_issue
    group by response_id, issue_category
),

detail_mentions as (
    select response_id, issue_category, issue_detail, priority_points as points
    from fact_itk_response_issue
),

mentions as (
    select * from category_mentions
    union all
    select * from detail_mentions
),

counted as (
    select a.area_level, a.area_code, m.issue_category, coalesce(m.issue_detail, '') as detail_key,
           count(*) as responses, cast(sum(m.points) as bigint) as priority_score
    from mentions m
    join response_areas a on a.response_id = m.response_id
    group by a.area_level, a.area_code, m.issue_category, coalesce(m.issue_detail, '')
),

issue_list as (
    select distinct issue_category, issue_detail, coalesce(issue_detail, '') as detail_key
    from mentions
),

grid as (
    select t.area_level, t.area_code, t.area_name, t.total_responses,
           i.issue_category, i.issue_detail, i.detail_key
    from area_totals t
    cross join issue_list i
),

joined as (
    select g.area_level, g.area_code, g.area_name, g.total_responses, g.issue_category, g.issue_detail,
           coalesce(c.responses, 0) as responses, coalesce(c.priority_score, 0) as priority_score
    from grid g
    left join counted c
        on c.area_level = g.area_level and c.area_code = g.area_code
       and c.issue_category = g.issue_category and c.detail_key = g.detail_key
),

period as (
    select cast(min(submitted_at) as date) as period_start, cast(max(submitted_at) as date) as period_end
    from responses
),

coverage as (
    select period_start, period_end,
           cast((extract(year from period_end) - extract(year from period_start)) * 12
                + extract(month from period_end) - extract(month from period_start) + 1 as integer) as months_covered
    from period
),

ranked as (
    select
        joined.*,
        cast(responses as float8) / total_responses as share,
        rank() over (partition by area_level, area_code, issue_detail is null
                     order by responses desc, priority_score desc) as share_rank
    from joined
),

final as (
    select
        area_level, area_code, area_name, p.period_start, p.period_end, p.months_covered,
        case when issue_detail is null then 'category' else 'detail' end as row_type,
        issue_category, issue_detail,
        cast(responses as bigint) as responses,
        cast(total_responses as bigint) as total_responses,
        share,
        cast(null as float8) as share_lower,
        cast(null as float8) as share_upper,
        priority_score,
        share_rank as rank,
        cast(null as boolean) as suppressed,
        cast(null as text) as suppression
    from ranked
    cross join coverage p
)

select * from final
