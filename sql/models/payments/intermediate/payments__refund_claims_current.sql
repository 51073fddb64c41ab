-- The payer's refund claim log (staging.refund_claims, the current row per refund_claim_id: a
-- later delivery of an id updates it), the one place the payments domain reads the feed, through the
-- crosswalk: member_id is the person's current member id (identity.md).
with final as (
    select
        refund_claim_id,
        contract_id,
        payer_id,
        member_id,
        delivered_member_id,
        timepoint_months,
        submitted_date,
        amount_claimed,
        response,
        response_date,
        dispute_reason,
        note,
        _delivery_seq,
        _row_number
    from {{ ref('identity__refund_claim_log') }}
)

select * from final
