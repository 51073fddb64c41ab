-- Every remittance dated on or before the as-of date is in the reconciliation once, matched or
-- unmatched: per contract and payer, the remitted amounts add up to the remittances loaded.
with loaded as (
    select contract_id, payer_id, sum(amount) as loaded_amount
    from {{ source('staging', 'remittances') }}
    where remitted_date <= {{ as_of() }}
    group by contract_id, payer_id
),

reconciled as (
    select contract_id, payer_id, sum(remitted_amount) as reconciled_amount
    from {{ ref('refunds__refund_reconciliation') }}
    group by contract_id, payer_id
),

final as (
    select
        coalesce(l.contract_id, r.contract_id) as contract_id,
        coalesce(l.payer_id, r.payer_id) as payer_id,
        coalesce(l.loaded_amount, 0) as loaded_amount,
        coalesce(r.reconciled_amount, 0) as reconciled_amount
    from loaded as l
    full join reconciled as r
        on r.contract_id = l.contract_id and r.payer_id = l.payer_id
    where coalesce(l.loaded_amount, 0) <> coalesce(r.reconciled_amount, 0)
)

select * from final
