-- The refund claim that counts for each (contract_id, payer_id, member_id, timepoint_months), as
-- known at the as-of date (spec/payments.md "Refund claims and the manufacturer's answers"):
--   - a claim submitted after the as-of date does not exist yet;
--   - an answer dated after the as-of date has not arrived yet: the claim shows no response,
--     response date or dispute reason (it is still `submitted`);
--   - several claims for one key are resubmissions: the latest submitted_date counts, a tie goes
--     to the later delivery (the later file, then the row further down in one file).
with known as (
    select
        *,
        coalesce(response_date <= {{ as_of() }}, false) as answer_arrived
    from {{ ref('identity__refund_claim_log') }}
    where submitted_date <= {{ as_of() }}
),

answered as (
    select
        refund_claim_id,
        contract_id,
        payer_id,
        member_id,
        timepoint_months,
        submitted_date,
        amount_claimed,
        note,
        _delivery_seq,
        _row_number,
        case when answer_arrived then response end as response,
        case when answer_arrived then response_date end as response_date,
        case when answer_arrived then dispute_reason end as dispute_reason
    from known
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
        partition by contract_id, payer_id, member_id, timepoint_months
        order by submitted_date desc, _delivery_seq desc, _row_number desc, refund_claim_id desc
    ) = 1
)

select * from final
