-- Per payer, the Summary's figures of spec/payments.md (outputs.md "Reports"): refunds settled
-- against installments, installments due and paid, and the refund claims to submit before their
-- deadline or disputed / rejected. One row per payer with an installment, a refund owed or a claim.
with reconciliation as (
    select payer_id, sum(offset_amount) as offset_amount
    from {{ ref('refunds__refund_reconciliation') }}
    group by payer_id
),

installments as (
    select
        payer_id,
        count(*) filter (where due_date <= as_of_date) as installments_due,
        sum(net_payable) filter (where due_date <= as_of_date) as installments_due_amount,
        sum(paid_amount) as installments_paid_amount,
        sum(balance) filter (where balance > 0 and due_date <= as_of_date) as installments_outstanding_amount,
        count(*) filter (where days_past_due > 0) as installments_overdue
    from {{ ref('payments__installment_schedule') }}
    group by payer_id
),

claims as (
    select
        payer_id,
        count(*) filter (where claim_status = 'not_submitted') as claims_to_submit,
        sum(refund_due_amount) filter (where claim_status = 'not_submitted') as claims_to_submit_amount,
        count(*) filter (where claim_status = 'deadline_missed') as claims_deadline_missed,
        sum(refund_due_amount) filter (where claim_status = 'deadline_missed') as claims_deadline_missed_amount,
        count(*) filter (where claim_status = 'disputed') as claims_disputed,
        count(*) filter (where claim_status = 'rejected') as claims_rejected
    from {{ ref('payments__refund_claims') }}
    group by payer_id
),

payers as (
    select payer_id from reconciliation
    union
    select payer_id from installments
    union
    select payer_id from claims
),

final as (
    select
        p.payer_id,
        coalesce(r.offset_amount, 0)::decimal(18, 2) as offset_amount,
        coalesce(i.installments_due, 0) as installments_due,
        coalesce(i.installments_due_amount, 0)::decimal(18, 2) as installments_due_amount,
        coalesce(i.installments_paid_amount, 0)::decimal(18, 2) as installments_paid_amount,
        coalesce(i.installments_outstanding_amount, 0)::decimal(18, 2) as installments_outstanding_amount,
        coalesce(i.installments_overdue, 0) as installments_overdue,
        coalesce(c.claims_to_submit, 0) as claims_to_submit,
        coalesce(c.claims_to_submit_amount, 0)::decimal(18, 2) as claims_to_submit_amount,
        coalesce(c.claims_deadline_missed, 0) as claims_deadline_missed,
        coalesce(c.claims_deadline_missed_amount, 0)::decimal(18, 2) as claims_deadline_missed_amount,
        coalesce(c.claims_disputed, 0) as claims_disputed,
        coalesce(c.claims_rejected, 0) as claims_rejected,
        {{ as_of() }}::date as as_of_date
    from payers as p
    left join reconciliation as r on r.payer_id = p.payer_id
    left join installments as i on i.payer_id = p.payer_id
    left join claims as c on c.payer_id = p.payer_id
)

select * from final
