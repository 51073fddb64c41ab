-- The payer's installment payments (staging.payments, the current row per payment_id), the one
-- place the payments domain reads the feed: member ids may be mapped here before any rule.
with final as (
    select
        payment_id,
        contract_id,
        payer_id,
        member_id,
        installment_number,
        amount,
        paid_date,
        reference,
        _delivery_seq,
        _row_number
    from {{ source('staging', 'payments') }}
)

select * from final
