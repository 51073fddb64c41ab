-- Refunds settled against installments (spec/payments.md "Settling refunds against installments"):
-- one row per refund and installment it settles, with the amount settled.
--
-- Under `refund_settlement: offset`, the refunds of an episode (after the cap: refund_due_amount),
-- taken in order of refund due date then timepoint, each settle the episode's installments due on
-- or after the refund's due date, earliest installment first, each up to what is still left of it.
-- What no such installment absorbs is a cash refund. `cash`, or no payment block: no rows.
--
-- Set-wise rather than a loop: lay the installments end to end on one axis of money, in
-- installment order (installment i covers [installment_before_i, installment_before_i + amount)).
-- Refund k may start no earlier than `eligible_from_k` = the amounts of the installments due before
-- its due date, and no earlier than where refund k-1 ended, so it covers [fill_end_k - r_k, fill_end_k)
-- with fill_end_k = max(eligible_from_k, fill_end_(k-1)) + r_k
--                 = refunds_through_k + max over j <= k of (eligible_from_j - refunds_before_j)
-- (a running max). Its offset against installment i is the overlap of the two ranges; the part
-- beyond the last installment is cash. Refunds are processed by due date, and later due dates
-- only ever exclude earlier installments, so this is exactly the earliest-first greedy settlement.
with installments as (
    select
        *,
        coalesce(sum(amount) over (
            partition by episode_id order by installment_number
            rows between unbounded preceding and 1 preceding
        ), 0)::decimal(18, 2) as installment_before
    from {{ ref('payments__episode_installments') }}
    where refund_settlement = 'offset'
),

refunds as (
    select
        r.episode_id,
        r.payer_id,
        r.member_id,
        r.contract_id,
        r.timepoint_months,
        r.refund_due_date,
        r.refund_due_amount
    from {{ ref('refunds__milestone_refunds') }} as r
    where r.refund_due_amount > 0
      and r.episode_id in (select episode_id from installments)
),

eligible as (
    select
        r.*,
        coalesce(sum(i.amount) filter (where i.due_date < r.refund_due_date), 0)::decimal(18, 2)
            as eligible_from
    from refunds as r
    join installments as i
        on i.episode_id = r.episode_id
    group by all
),

ordered as (
    select
        *,
        sum(refund_due_amount) over settlement_order as refunds_through
    from eligible
    window settlement_order as (
        partition by episode_id order by refund_due_date, timepoint_months
        rows between unbounded preceding and current row
    )
),

filled as (
    select
        *,
        (refunds_through + max(eligible_from - (refunds_through - refund_due_amount)) over (
            partition by episode_id order by refund_due_date, timepoint_months
            rows between unbounded preceding and current row
        ))::decimal(18, 2) as fill_end
    from ordered
),

settled as (
    select
        f.episode_id,
        f.payer_id,
        f.member_id,
        f.contract_id,
        f.timepoint_months,
        f.refund_due_date,
        f.refund_due_amount,
        i.installment_number,
        i.due_date as installment_due_date,
        (least(f.fill_end, i.installment_before + i.amount)
            - greatest(f.fill_end - f.refund_due_amount, i.installment_before))::decimal(18, 2) as offset_amount
    from filled as f
    join installments as i
        on i.episode_id = f.episode_id
),

final as (
    select *
    from settled
    where offset_amount > 0
)

select * from final
