-- Claim finding SMN1_NOT_CONFIRMED (spec claims.md "Claim findings"): one row per current
-- infusion claim that breaks the rule, with a detail naming what was billed and what was expected.
with final as (
    select
        claim_id,
        'SMN1_NOT_CONFIRMED' as rule_code,
        'authorization ' || prior_auth_number || ' smn1_biallelic is '
            || coalesce(smn1_biallelic::varchar, 'missing')
            || '; expected genetic confirmation of bi-allelic SMN1 mutation (true)' as detail
    from {{ ref('claims__finding_facts') }} as facts
    where auth_applies and smn1_biallelic is not true
)

select * from final
