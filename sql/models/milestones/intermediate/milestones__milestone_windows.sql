-- Every episode under a contract x every milestone of that contract, with the
-- due date and the evidence window (spec/contracts.md "Episodes under a contract").
--   due_date = infusion_date + timepoint_months calendar months (clamped to month end)
--   window   = [due_date - window_days_before, due_date + window_days_after], inclusive
with episodes as (
    select episode_id, payer_id, member_id, claim_id, infusion_date, contract_id
    from {{ ref('claims__episodes') }}
    where contract_id is not null
),

dated as (
    select
        e.episode_id,
        e.payer_id,
        e.member_id,
        e.contract_id,
        e.claim_id,
        e.infusion_date,
        m.timepoint_months,
        m.window_days_before,
        m.window_days_after,
        (e.infusion_date + interval (m.timepoint_months) month)::date as due_date,
        coalesce(c.assessment_selection, 'closest_to_due') as assessment_selection,
        coalesce(c.baseline_window_days, 30) as baseline_window_days,
        coalesce(c.on_disenrollment, 'continue') as on_disenrollment
    from episodes as e
    join {{ source('staging', 'contract_milestones') }} as m
        on m.contract_id = e.contract_id
    left join {{ source('staging', 'contracts') }} as c
        on c.contract_id = e.contract_id
),

final as (
    select
        episode_id,
        payer_id,
        member_id,
        contract_id,
        claim_id,
        infusion_date,
        timepoint_months,
        due_date,
        due_date - cast(window_days_before as integer) as window_start,
        due_date + cast(window_days_after as integer) as window_end,
        assessment_selection,
        baseline_window_days,
        infusion_date - cast(baseline_window_days as integer) as baseline_start,
        on_disenrollment
    from dated
)

select * from final
