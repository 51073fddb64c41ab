-- The installments of each episode evaluated under a contract with a `payment` block
-- (spec/payments.md "Installments"). Installment n is the n-th entry in order of
-- months_after_infusion (numbered when the contract was loaded).
--   installment_date = infusion_date + months_after_infusion calendar months (clamped to month end)
--   due_date         = installment_date + installment_due_days
with episodes as (
    select episode_id, payer_id, member_id, contract_id, infusion_date
    from {{ ref('claims__episodes') }}
    where contract_id is not null
),

dated as (
    select
        e.episode_id,
        e.payer_id,
        e.member_id,
        e.contract_id,
        e.infusion_date,
        i.installment_number,
        i.months_after_infusion,
        (e.infusion_date + interval (i.months_after_infusion) month)::date as installment_date,
        i.amount,
        t.installment_due_days,
        t.refund_settlement
    from episodes as e
    join {{ source('staging', 'contract_installments') }} as i
        on i.contract_id = e.contract_id
    join {{ source('staging', 'contract_payment_terms') }} as t
        on t.contract_id = e.contract_id
),

final as (
    select
        episode_id,
        payer_id,
        member_id,
        contract_id,
        infusion_date,
        installment_number,
        months_after_infusion,
        installment_date,
        (installment_date + installment_due_days)::date as due_date,
        amount::decimal(18, 2) as amount,
        installment_due_days,
        refund_settlement
    from dated
)

select * from final
