-- The payer's installment payments (staging.payments, the current row per payment_id), the one
-- place the payments domain reads the feed, through the crosswalk: member_id is the person's
-- current member id (identity.md).
with final as (
    select
        payment_id,
        contract_id,
        payer_id,
        member_id,
        delivered_member_id,
        installment_number,
        amount,
        paid_date,
        reference,
        _delivery_seq,
        _row_number
    from {{ ref('identity__payments') }}
)

select * from final
