-- Claim finding PA_MISSING (spec claims.md "Claim findings"): one row per current
-- infusion claim that breaks the rule, with a detail naming what was billed and what was expected.
with final as (
    select
        claim_id,
        'PA_MISSING' as rule_code,
        'no prior_auth_number on the claim; expected the approved ZOLGENSMA prior authorization' as detail
    from {{ ref('claims__finding_facts') }} as facts
    where prior_auth_number is null
)

select * from final
