-- Claim finding PA_MEMBER_MISMATCH (spec claims.md "Claim findings"): one row per current
-- infusion claim that breaks the rule, with a detail naming what was billed and what was expected.
with final as (
    select
        claim_id,
        'PA_MEMBER_MISMATCH' as rule_code,
        'authorization ' || prior_auth_number || ' is for payer ' || auth_payer_id || ' member '
            || auth_member_id || '; expected payer ' || payer_id || ' member ' || member_id as detail
    from {{ ref('claims__finding_facts') }} as facts
    where auth_found and not auth_same_person
)

select * from final
