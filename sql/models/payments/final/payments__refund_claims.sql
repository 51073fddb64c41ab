-- Refund claims per owed refund (spec/payments.md "Refund claims and the manufacturer's answers").
-- One row per episode milestone that owes a refund (refund_due_amount > 0, after the cap, whether
-- settled in cash or against installments), and one per claim key that matches none (episode_id
-- NULL, refund_due_amount 0.00). The claim is the counting one of core.counting_claims.
--   submission_deadline = window_end + claim_submission_days (NULL: the contract sets no deadline)
--   claim_status  unmatched | not_submitted (no claim; no deadline, or deadline on/after as-of)
--                 | deadline_missed (no claim; deadline before as-of)
--                 | submitted (no answer yet) | accepted | disputed | rejected | withdrawn
--   submitted_late   the counting claim was submitted after the deadline
--   amount_differs   the counting claim's amount_claimed is not refund_due_amount
--   days_to_deadline deadline - as-of (negative once passed; NULL without a deadline)
with owed as (
    select
        r.episode_id,
        r.payer_id,
        r.member_id,
        r.contract_id,
        r.timepoint_months,
        r.window_end,
        r.refund_due_amount,
        r.refund_due_date,
        (r.window_end + t.claim_submission_days)::date as submission_deadline
    from {{ ref('refunds__milestone_refunds') }} as r
    left join {{ source('staging', 'contract_payment_terms') }} as t
        on t.contract_id = r.contract_id
    where r.refund_due_amount > 0
),

claims as (
    select * from {{ ref('payments__counting_claims') }}
),

matched as (
    select
        o.*,
        c.refund_claim_id,
        c.submitted_date,
        c.amount_claimed,
        c.response,
        c.response_date,
        c.dispute_reason,
        c.note,
        coalesce(c.claim_count, 0) as claim_count,
        true as owes_refund
    from owed as o
    left join claims as c
        on c.contract_id = o.contract_id
       and c.payer_id = o.payer_id
       and c.member_id = o.member_id
       and c.timepoint_months = o.timepoint_months
),

orphans as (
    select
        null::varchar as episode_id,
        c.payer_id,
        c.member_id,
        c.contract_id,
        c.timepoint_months,
        null::date as window_end,
        0::decimal(18, 2) as refund_due_amount,
        null::date as refund_due_date,
        null::date as submission_deadline,
        c.refund_claim_id,
        c.submitted_date,
        c.amount_claimed,
        c.response,
        c.response_date,
        c.dispute_reason,
        c.note,
        c.claim_count,
        false as owes_refund
    from claims as c
    anti join owed as o
        on o.contract_id = c.contract_id
       and o.payer_id = c.payer_id
       and o.member_id = c.member_id
       and o.timepoint_months = c.timepoint_months
),

unioned as (
    select * from matched
    union all by name
    select * from orphans
),

final as (
    select
        episode_id,
        payer_id,
        member_id,
        contract_id,
        timepoint_months,
        refund_due_amount::decimal(18, 2) as refund_due_amount,
        submission_deadline,
        refund_claim_id,
        submitted_date,
        amount_claimed::decimal(18, 2) as amount_claimed,
        case
            when not owes_refund then 'unmatched'
            when refund_claim_id is null and submission_deadline < {{ as_of() }} then 'deadline_missed'
            when refund_claim_id is null then 'not_submitted'
            else coalesce(response, 'submitted')
        end as claim_status,
        response_date,
        dispute_reason,
        coalesce(submitted_date > submission_deadline, false) as submitted_late,
        coalesce(amount_claimed <> refund_due_amount, false) as amount_differs,
        (submission_deadline - {{ as_of() }})::integer as days_to_deadline,
        {{ as_of() }}::date as as_of_date,
        -- extras
        window_end,
        refund_due_date,
        claim_count,
        note
    from unioned
)

select * from final
