-- Installments owed vs paid (spec/payments.md "The payer's installment payments"). One row per
-- episode installment, and one per (contract_id, payer_id, member_id, installment_number) of
-- payments that match no episode installment (episode_id NULL, amounts and dates of its own
-- NULL / 0.00). Payments dated after the as-of date do not exist yet; matching payments add up,
-- reversals (negative amounts) included.
--   net_payable = amount - offset_amount (the refunds settled against it: core.refund_offsets)
--   balance     = net_payable - paid_amount
--   status      unmatched | overpaid (paid > net) | offset (net 0, nothing paid)
--               | due / scheduled (nothing paid, net > 0; due date passed or not)
--               | partially_paid (0 < paid < net) | paid (paid = net > 0)
with paid as (
    select
        contract_id,
        payer_id,
        member_id,
        installment_number,
        sum(amount)::decimal(18, 2) as paid_amount,
        count(*) as payment_count,
        max(paid_date) as last_paid_date
    from {{ ref('identity__payments') }}
    where paid_date <= {{ as_of() }}
    group by contract_id, payer_id, member_id, installment_number
),

offsets as (
    select episode_id, installment_number, sum(offset_amount)::decimal(18, 2) as offset_amount
    from {{ ref('payments__refund_offsets') }}
    group by episode_id, installment_number
),

installments as (
    select
        i.episode_id,
        i.payer_id,
        i.member_id,
        i.contract_id,
        i.installment_number,
        i.months_after_infusion,
        i.installment_date,
        i.due_date,
        i.amount,
        coalesce(o.offset_amount, 0)::decimal(18, 2) as offset_amount,
        i.refund_settlement
    from {{ ref('payments__episode_installments') }} as i
    left join offsets as o
        on o.episode_id = i.episode_id
       and o.installment_number = i.installment_number
),

matched as (
    select
        i.*,
        coalesce(p.paid_amount, 0)::decimal(18, 2) as paid_amount,
        coalesce(p.payment_count, 0) as payment_count,
        p.last_paid_date
    from installments as i
    left join paid as p
        on p.contract_id = i.contract_id
       and p.payer_id = i.payer_id
       and p.member_id = i.member_id
       and p.installment_number = i.installment_number
),

orphans as (
    select
        null::varchar as episode_id,
        p.payer_id,
        p.member_id,
        p.contract_id,
        p.installment_number,
        null::integer as months_after_infusion,
        null::date as installment_date,
        null::date as due_date,
        0::decimal(18, 2) as amount,
        0::decimal(18, 2) as offset_amount,
        null::varchar as refund_settlement,
        p.paid_amount,
        p.payment_count,
        p.last_paid_date
    from paid as p
    anti join installments as i
        on i.contract_id = p.contract_id
       and i.payer_id = p.payer_id
       and i.member_id = p.member_id
       and i.installment_number = p.installment_number
),

unioned as (
    select *, true as matched from matched
    union all by name
    select *, false as matched from orphans
),

netted as (
    select
        *,
        (amount - offset_amount)::decimal(18, 2) as net_payable
    from unioned
),

final as (
    select
        episode_id,
        payer_id,
        member_id,
        contract_id,
        installment_number,
        installment_date,
        due_date,
        amount,
        offset_amount,
        net_payable,
        paid_amount,
        (net_payable - paid_amount)::decimal(18, 2) as balance,
        case
            when not matched then 'unmatched'
            when paid_amount > net_payable then 'overpaid'
            when paid_amount <= 0 and net_payable <= 0 then 'offset'
            when paid_amount <= 0 and due_date <= {{ as_of() }} then 'due'
            when paid_amount <= 0 then 'scheduled'
            when paid_amount < net_payable then 'partially_paid'
            else 'paid'
        end as status,
        case
            when net_payable - paid_amount > 0 and {{ as_of() }} > due_date
                then ({{ as_of() }} - due_date)::integer
            else 0
        end as days_past_due,
        {{ as_of() }}::date as as_of_date,
        -- extras
        months_after_infusion,
        refund_settlement,
        payment_count,
        last_paid_date
    from netted
)

select * from final
