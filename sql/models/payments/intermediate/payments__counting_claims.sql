-- The refund claim that counts for each (contract_id, payer_id, member_id, timepoint_months), as
-- known at the as-of date (spec/payments.md "Refund claims and the manufacturer's answers"):
--   - a claim submitted after the as-of date does not exist yet;
--   - an answer dated after the as-of date has not arrived yet: the claim shows no response,
--     response date or dispute reason (it is still `submitted`);
--   - several claims for one key are resubmissions: the latest submitted_date counts, a tie goes
--     to the later delivery (the later file, then the row further down in one file).
with answered as (
    -- an answer dated after the as-of date has not arrived: its fields are NULL as of then
    select * replace (
        case when response_date <= {{ as_of() }} then response end as response,
        case when response_date <= {{ as_of() }} then response_date end as response_date,
        case when response_date <= {{ as_of() }} then dispute_reason end as dispute_reason
    )
    from {{ ref('identity__refund_claim_log') }}
    where submitted_date <= {{ as_of() }}
),

final as (
    select
        refund_claim_id,
        contract_id,
        payer_id,
        member_id,
        timepoint_months,
        submitted_date,
        amount_claimed,
        response,
        response_date,
        dispute_reason,
        note,
        count(*) over claim_key as claim_count
    from answered
    window claim_key as (partition by contract_id, payer_id, member_id, timepoint_months)
    qualify row_number() over (
        claim_key
        order by submitted_date desc, _delivery_seq desc, _row_number desc, refund_claim_id desc
    ) = 1
)

select * from final
