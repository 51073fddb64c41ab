-- Claim finding PA_NOT_FOUND (spec claims.md "Claim findings"): one row per current
-- infusion claim that breaks the rule, with a detail naming what was billed and what was expected.
with final as (
    select
        claim_id,
        'PA_NOT_FOUND' as rule_code,
        'prior_auth_number ' || prior_auth_number
            || ' matches no authorization record; expected the number of an authorization on file' as detail
    from {{ ref('claims__finding_facts') }} as facts
    where prior_auth_number is not null and not auth_found
)

select * from final
