-- Claim finding WEIGHT_BELOW_KIT_RANGE (spec claims.md "Claim findings"): one row per current
-- infusion claim that breaks the rule, with a detail naming what was billed and what was expected.
with final as (
    select
        claim_id,
        'WEIGHT_BELOW_KIT_RANGE' as rule_code,
        'weight ' || weight_text || ' is under 2.6 kg; expected at least 2.6 kg (the smallest kit covers 2.6–3.0 kg)' as detail
    from {{ ref('claims__finding_facts') }} as facts
    where weight_rounded_kg < 2.6
)

select * from final
