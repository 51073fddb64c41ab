-- Milestones and refunds by payer and timepoint: how many milestones are in each status
-- (marts.milestone_status) and the refunds due and remitted (marts.refund_reconciliation,
-- its unmatched remittances included under their timepoint).
with milestones as (
    select
        payer_id,
        timepoint_months,
        count(*) filter (where status = 'met') as milestones_met,
        count(*) filter (where status = 'not_met') as milestones_not_met,
        count(*) filter (where status = 'pending') as milestones_pending,
        count(*) filter (where status = 'missing_evidence') as milestones_missing_evidence,
        count(*) filter (where status = 'disenrolled') as milestones_disenrolled,
        count(*) as milestones
    from {{ ref('refunds__milestone_status') }}
    group by payer_id, timepoint_months
),

refunds as (
    select
        payer_id,
        timepoint_months,
        sum(refund_due_amount) as refunds_due_amount,
        sum(remitted_amount) as remitted_amount
    from {{ ref('refunds__refund_reconciliation') }}
    group by payer_id, timepoint_months
),

final as (
    select
        coalesce(m.payer_id, r.payer_id) as payer_id,
        coalesce(m.timepoint_months, r.timepoint_months) as timepoint_months,
        coalesce(m.milestones_met, 0) as milestones_met,
        coalesce(m.milestones_not_met, 0) as milestones_not_met,
        coalesce(m.milestones_pending, 0) as milestones_pending,
        coalesce(m.milestones_missing_evidence, 0) as milestones_missing_evidence,
        coalesce(m.milestones_disenrolled, 0) as milestones_disenrolled,
        coalesce(m.milestones, 0) as milestones,
        coalesce(r.refunds_due_amount, 0)::decimal(18, 2) as refunds_due_amount,
        coalesce(r.remitted_amount, 0)::decimal(18, 2) as remitted_amount,
        {{ as_of() }} as as_of_date
    from milestones as m
    full join refunds as r
        on r.payer_id = m.payer_id and r.timepoint_months = m.timepoint_months
)

select * from final
