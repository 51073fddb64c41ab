-- One row per payer present in contracts, episodes or remittances (dated on or
-- before as-of): refunds owed, remitted, outstanding, overdue, milestones by status,
-- claims missing an OBA link, refunds at risk split by marts.refunds_at_risk.risk_horizon
-- into already lost, at risk now and at risk later.
with payers as (
    select payer_id from {{ source('staging', 'contracts') }}
    union
    select payer_id from {{ ref('claims__episodes') }}
    union
    select payer_id from {{ ref('milestones__milestone_decisions') }}
    union
    select payer_id from {{ ref('identity__remittances') }} where remitted_date <= {{ as_of() }}
),

contracts as (
    select payer_id, count(*) as contracts
    from {{ source('staging', 'contracts') }}
    group by payer_id
),

episodes as (
    select payer_id, count(distinct episode_id) as episodes
    from {{ ref('claims__episodes') }}
    group by payer_id
),

milestones as (
    select
        payer_id,
        count(*) as milestones,
        count(*) filter (where status = 'met') as milestones_met,
        count(*) filter (where status = 'not_met') as milestones_not_met,
        count(*) filter (where status = 'pending') as milestones_pending,
        count(*) filter (where status = 'missing_evidence') as milestones_missing_evidence,
        count(*) filter (where status = 'disenrolled') as milestones_disenrolled,
        count(*) filter (where refund_at_risk_amount > 0) as refunds_at_risk_milestones,
        sum(refund_at_risk_amount) as refunds_at_risk_amount
    from {{ ref('refunds__milestone_refunds') }}
    group by payer_id
),

reconciliation as (
    select
        payer_id,
        sum(refund_due_amount) as refunds_due_amount,
        sum(remitted_amount) as remitted_amount,
        sum(balance) filter (where status in ('unpaid', 'partially_paid')) as outstanding_amount,
        sum(balance) filter (where days_past_due > 0) as overdue_amount,
        -sum(balance) filter (where status in ('overpaid', 'unmatched')) as credit_amount,
        sum(balance) as net_balance,
        count(*) filter (where status = 'unpaid') as refunds_unpaid,
        count(*) filter (where status = 'partially_paid') as refunds_partially_paid,
        count(*) filter (where status = 'paid') as refunds_paid,
        count(*) filter (where status = 'overpaid') as refunds_overpaid,
        count(*) filter (where status = 'unmatched') as remittances_unmatched
    from {{ ref('refunds__refund_reconciliation') }}
    group by payer_id
),

at_risk as (
    select
        payer_id,
        count(*) filter (where risk_horizon = 'lost') as refunds_lost_milestones,
        sum(refund_at_risk_amount) filter (where risk_horizon = 'lost') as refunds_lost_amount,
        count(*) filter (where risk_horizon = 'at_risk_now') as refunds_at_risk_now_milestones,
        sum(refund_at_risk_amount) filter (where risk_horizon = 'at_risk_now') as refunds_at_risk_now_amount,
        count(*) filter (where risk_horizon = 'at_risk_later') as refunds_at_risk_later_milestones,
        sum(refund_at_risk_amount) filter (where risk_horizon = 'at_risk_later') as refunds_at_risk_later_amount
    from {{ ref('refunds__refunds_at_risk') }}
    group by payer_id
),

claims as (
    select payer_id, count(*) as claims_missing_oba
    from {{ ref('claims__claims_missing_oba') }}
    group by payer_id
),

final as (
    select
        p.payer_id,
        coalesce(r.refunds_due_amount, 0)::decimal(18, 2) as refunds_due_amount,
        coalesce(r.remitted_amount, 0)::decimal(18, 2) as remitted_amount,
        coalesce(r.outstanding_amount, 0)::decimal(18, 2) as outstanding_amount,
        coalesce(r.overdue_amount, 0)::decimal(18, 2) as overdue_amount,
        coalesce(r.credit_amount, 0)::decimal(18, 2) as credit_amount,
        coalesce(r.net_balance, 0)::decimal(18, 2) as net_balance,
        coalesce(c.contracts, 0) as contracts,
        coalesce(e.episodes, 0) as episodes,
        coalesce(m.milestones, 0) as milestones,
        coalesce(m.milestones_met, 0) as milestones_met,
        coalesce(m.milestones_not_met, 0) as milestones_not_met,
        coalesce(m.milestones_pending, 0) as milestones_pending,
        coalesce(m.milestones_missing_evidence, 0) as milestones_missing_evidence,
        coalesce(m.milestones_disenrolled, 0) as milestones_disenrolled,
        coalesce(r.refunds_unpaid, 0) as refunds_unpaid,
        coalesce(r.refunds_partially_paid, 0) as refunds_partially_paid,
        coalesce(r.refunds_paid, 0) as refunds_paid,
        coalesce(r.refunds_overpaid, 0) as refunds_overpaid,
        coalesce(r.remittances_unmatched, 0) as remittances_unmatched,
        coalesce(cl.claims_missing_oba, 0) as claims_missing_oba,
        coalesce(m.refunds_at_risk_milestones, 0) as refunds_at_risk_milestones,
        coalesce(m.refunds_at_risk_amount, 0)::decimal(18, 2) as refunds_at_risk_amount,
        coalesce(a.refunds_lost_milestones, 0) as refunds_lost_milestones,
        coalesce(a.refunds_lost_amount, 0)::decimal(18, 2) as refunds_lost_amount,
        coalesce(a.refunds_at_risk_now_milestones, 0) as refunds_at_risk_now_milestones,
        coalesce(a.refunds_at_risk_now_amount, 0)::decimal(18, 2) as refunds_at_risk_now_amount,
        coalesce(a.refunds_at_risk_later_milestones, 0) as refunds_at_risk_later_milestones,
        coalesce(a.refunds_at_risk_later_amount, 0)::decimal(18, 2) as refunds_at_risk_later_amount,
        {{ as_of() }}::date as as_of_date
    from payers as p
    left join contracts as c on c.payer_id = p.payer_id
    left join episodes as e on e.payer_id = p.payer_id
    left join milestones as m on m.payer_id = p.payer_id
    left join reconciliation as r on r.payer_id = p.payer_id
    left join at_risk as a on a.payer_id = p.payer_id
    left join claims as cl on cl.payer_id = p.payer_id
)

select * from final
