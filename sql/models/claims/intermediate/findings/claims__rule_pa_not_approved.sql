-- Claim finding PA_NOT_APPROVED (spec claims.md "Claim findings"): one row per current
-- infusion claim that breaks the rule, with a detail naming what was billed and what was expected.
with final as (
    select
        claim_id,
        'PA_NOT_APPROVED' as rule_code,
        'authorization ' || prior_auth_number || ' decision is ' || auth_decision
            || ' (' || auth_decision_date::varchar || '); expected approved' as detail
    from {{ ref('claims__finding_facts') }} as facts
    where auth_found and auth_decision <> 'approved'
)

select * from final
