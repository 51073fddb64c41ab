-- One row per episode and contract milestone: its status, what decided it and the
-- refund it owes (spec/outputs.md). A milestone that owes nothing has
-- refund_due_amount 0.00 and refund_due_date NULL.
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
        due_date,
        window_start,
        window_end,
        status,
        refund_due_amount::decimal(18, 2) as refund_due_amount,
        refund_due_date,
        evidence,
        as_of_date,
        -- extras
        refund_if_not_met::decimal(18, 2) as refund_if_not_met,
        refund_at_risk_amount::decimal(18, 2) as refund_at_risk_amount,
        refund_cap_amount::decimal(18, 2) as refund_cap_amount,
        episode_refund_due_to_date::decimal(18, 2) as episode_refund_due_to_date,
        refund_pct,
        missing_evidence_policy,
        (window_end - as_of_date)::integer as days_until_window_end
    from refunds
)

select * from final
