-- Refunds at risk: pending or missing_evidence milestones of contracts with
-- `missing_evidence: no_refund`, whose refund would be lost if the evidence never
-- comes. The amount at stake is what the milestone would owe if not met, limited by
-- what is left of the episode cap after the refunds already owed, allocated in
-- timepoint order (so an episode's refunds owed + at risk never exceed its cap).
-- risk_horizon tells apart what is already lost (window closed without evidence),
-- what is at risk now (window open, or opening within 60 days: the worklist's
-- horizon) and what is at risk later (window opening after that).
with refunds as (
    select * from {{ ref('refunds__milestone_refunds') }}
),

final as (
    select
        episode_id,
        payer_id,
        member_id,
        contract_id,
        timepoint_months,
        status,
        due_date,
        window_start,
        window_end,
        (window_end - as_of_date)::integer as days_until_window_end,
        case
            when status = 'missing_evidence' then 'window closed without evidence'
            when as_of_date < window_start then 'window not open yet'
            else 'window open'
        end as risk_reason,
        case
            when status = 'missing_evidence' then 'lost'
            when window_start <= as_of_date + 60 then 'at_risk_now'
            else 'at_risk_later'
        end as risk_horizon,
        refund_if_not_met::decimal(18, 2) as refund_if_not_met,
        refund_at_risk_amount::decimal(18, 2) as refund_at_risk_amount,
        as_of_date
    from refunds
    where refund_at_risk_amount > 0
)

select * from final
