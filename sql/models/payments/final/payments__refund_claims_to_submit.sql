-- The worklist of money: the refunds owed that have no claim yet, the earliest deadline first
-- (deadlines already missed first, then those to meet; refunds without a deadline last). An
-- analyst reads it as it is: `select * from marts.refund_claims_to_submit`.
with final as (
    select
        episode_id,
        payer_id,
        member_id,
        contract_id,
        timepoint_months,
        refund_due_amount,
        submission_deadline,
        days_to_deadline,
        claim_status,
        window_end,
        refund_due_date,
        as_of_date
    from {{ ref('payments__refund_claims') }}
    where claim_status in ('not_submitted', 'deadline_missed')
    order by submission_deadline nulls last, payer_id, contract_id, member_id, timepoint_months
)

select * from final
