-- balance = refund_due_amount - offset_amount - remitted_amount on every reconciliation row.
with final as (
    select contract_id, payer_id, member_id, timepoint_months, refund_due_amount, offset_amount, remitted_amount,
           balance
    from {{ ref('refunds__refund_reconciliation') }}
    where balance is distinct from refund_due_amount - offset_amount - remitted_amount
)

select * from final
