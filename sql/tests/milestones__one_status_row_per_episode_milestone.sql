-- One marts.milestone_status row per episode under a contract and milestone of that contract:
-- returns each (episode, timepoint) that has no row or more than one.
with expected as (
    select e.episode_id, m.timepoint_months
    from {{ ref('claims__episodes') }} as e
    join {{ source('staging', 'contract_milestones') }} as m
        on m.contract_id = e.contract_id
),

published as (
    select episode_id, timepoint_months, count(*) as rows_published
    from {{ ref('refunds__milestone_status') }}
    group by episode_id, timepoint_months
),

final as (
    select
        coalesce(x.episode_id, p.episode_id) as episode_id,
        coalesce(x.timepoint_months, p.timepoint_months) as timepoint_months,
        coalesce(p.rows_published, 0) as rows_published
    from expected as x
    full join published as p
        on p.episode_id = x.episode_id and p.timepoint_months = x.timepoint_months
    where x.episode_id is null or coalesce(p.rows_published, 0) <> 1
)

select * from final
