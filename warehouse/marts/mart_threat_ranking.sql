-- mart_threat_ranking (E11): the partnership's threat ranking (Table 1 of the assessment).
-- grain: threat
-- feeds: reference
with

ranking as (
    select * from ref_threat_ranking
),

final as (
    select rank, threat, organisational_risk_indicator, load_id
    from ranking
)

select * from final
